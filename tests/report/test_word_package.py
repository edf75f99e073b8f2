"""The Word note's package: the packaged base without the parts every note would parse and write
again for nothing, pictures stored as they are, and the charts' own PNG writer lossless.

(How fast that is: bench/word.py. These check what the speed must not cost.)
"""

from __future__ import annotations

import io
import zipfile

from buurtscan.report.word import base, charts


def test_packaged_base_keeps_the_styles_the_note_uses_and_nothing_it_never_reads():
    import docx

    data = base._default(False)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        types = z.read("[Content_Types].xml").decode()
    assert "word/stylesWithEffects.xml" not in names and "docProps/thumbnail.jpeg" not in names
    assert not any(n.startswith("customXml/") for n in names) and "stylesWithEffects" not in types
    doc = docx.Document(io.BytesIO(data))
    kinds = [st.type for st in doc.styles]
    from docx.enum.style import WD_STYLE_TYPE

    assert sum(k == WD_STYLE_TYPE.TABLE for k in kinds) <= 2  # "Normal Table" and "Table Grid"
    for name in base.STYLE_NAMES:  # every style the note asks for is still there
        assert doc.styles[name] is not None, name
    ids = base.style_ids(doc)
    assert all(name in ids for name in base.STYLE_NAMES)


def test_saved_note_stores_pictures_and_deflates_the_xml():
    import docx
    from PIL import Image

    doc = docx.Document(io.BytesIO(base._default(False)))
    img = Image.new("RGB", (40, 12), "white")
    png = charts._png(img)
    doc.add_picture(io.BytesIO(png))
    with zipfile.ZipFile(io.BytesIO(base.save(doc))) as z:
        infos = {i.filename: i for i in z.infolist()}
        media = [i for n, i in infos.items() if n.startswith("word/media/")]
        assert media and all(i.compress_type == zipfile.ZIP_STORED for i in media)
        assert infos["word/styles.xml"].compress_type == zipfile.ZIP_DEFLATED
        assert z.read(media[0].filename) == png
    again = docx.Document(io.BytesIO(base.save(doc)))  # python-docx reads it back
    assert len(again.inline_shapes) == 1


def test_chart_png_is_lossless():
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (53, 17), "white")
    draw = ImageDraw.Draw(img)
    draw.line([(0, 16), (52, 0)], fill=(0x1F, 0x3A, 0x5F), width=3)
    draw.rectangle([3, 3, 20, 9], fill=(0x8A, 0x96, 0xA3))
    back = Image.open(io.BytesIO(charts._png(img)))
    back.load()
    assert back.mode == "RGB" and back.size == img.size and back.tobytes() == img.tobytes()
