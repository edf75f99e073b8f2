"""A story's ``foto``: only a real, modest image from the stories file's folder is embedded, scaled down.

Every refusal is one line naming the stories file, its line and the column (exit code 2), and
nothing is read outside the folder. The images are drawn here with Pillow; the story texts
are MADE UP.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from buurtscan.catalogue import load
from buurtscan.errors import UsageError
from buurtscan.policy_stories import PHOTO_MAX_SIDE, read_stories
from tests.hostile.cli import run, snapshot


def stories(folder: Path, foto: str) -> Path:
    path = folder / "verhalen.csv"
    path.write_text(f"domein;tekst;foto\nwonen;Het portiek is opgeknapt (verzonnen);{foto}\n", encoding="utf-8")
    return path


def refused(folder: Path, foto: str, *words: str) -> str:
    with pytest.raises(UsageError) as info:
        read_stories(stories(folder, foto), load())
    message = info.value.message
    assert info.value.exit_code == 2 and "\n" not in message
    assert "verhalen.csv, line 2, column 'foto'" in message
    for w in words:
        assert w in message, (w, message)
    return message


def jpeg(size: tuple[int, int]) -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels (a decompression bomb needs no more than this header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("foto", ["/etc/passwd", "/proc/self/environ", "../../../../etc/shadow", "../buiten.jpg"])
def test_paths_outside_the_stories_folder_are_refused(tmp_path, foto):
    folder = tmp_path / "map"
    folder.mkdir()
    (tmp_path / "buiten.jpg").write_bytes(jpeg((40, 30)))
    refused(folder, foto, "lies outside the folder of the stories file")


def test_a_symlink_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "map").mkdir()
    (tmp_path / "geheim.jpg").write_bytes(jpeg((40, 30)))
    os.symlink(tmp_path / "geheim.jpg", tmp_path / "map" / "foto.jpg")
    os.symlink("/etc/passwd", tmp_path / "map" / "passwd.jpg")
    refused(tmp_path / "map", "foto.jpg", "outside")
    refused(tmp_path / "map", "passwd.jpg", "outside")


def test_a_text_file_called_jpg_is_no_image(tmp_path):
    (tmp_path / "foto.jpg").write_text("root:x:0:0:root:/root:/bin/bash\n")
    refused(tmp_path, "foto.jpg", "is not a PNG, JPEG or WebP image")


def test_svg_is_refused_with_a_reason(tmp_path):
    (tmp_path / "tekening.svg").write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
                                           "<script>alert(1)</script></svg>")
    refused(tmp_path, "tekening.svg", "SVG", "scripts")


def test_a_photo_over_the_size_cap_is_refused_before_it_is_read(tmp_path):
    with open(tmp_path / "groot.jpg", "wb") as fh:
        fh.write(jpeg((40, 30)))
        fh.truncate(200 * 1024 * 1024)  # sparse: 200 MB that is never read
    refused(tmp_path, "groot.jpg", "limit of 20 MB")


def test_a_pixel_bomb_is_refused_before_decoding(tmp_path):
    (tmp_path / "bom.png").write_bytes(png_header_only(30_000, 30_000))  # 900 megapixels in 100 bytes
    refused(tmp_path, "bom.png", "more than 50 megapixels")
    (tmp_path / "ruim.png").write_bytes(png_header_only(8_000, 8_000))  # 64: over the cap, under Pillow's
    refused(tmp_path, "ruim.png", "8,000 × 8,000 pixels", "limit of 50 megapixels")


def test_a_broken_jpeg_and_a_fifo_are_refused(tmp_path):
    (tmp_path / "kapot.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    refused(tmp_path, "kapot.jpg", "cannot be read as a JPEG image")
    os.mkfifo(tmp_path / "pijp.jpg")
    refused(tmp_path, "pijp.jpg", "named pipe")


def test_a_missing_photo_is_named(tmp_path):
    refused(tmp_path, "weg.jpg", "'weg.jpg' does not exist")


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_a_large_photo_is_scaled_and_reencoded(tmp_path, kind):
    sub = tmp_path / "fotos"
    sub.mkdir()
    image = Image.linear_gradient("L").resize((4000, 3000)).convert("RGBA" if kind == "PNG" else "RGB")
    image.save(sub / f"groot.{kind.lower()}", format=kind)
    [story] = read_stories(stories(tmp_path, f"fotos/groot.{kind.lower()}"), load())
    photo = story.story.foto
    assert photo is not None and photo.mime == "image/jpeg" and photo.name == f"groot.{kind.lower()}"
    assert max(photo.width, photo.height) == PHOTO_MAX_SIDE
    again = Image.open(io.BytesIO(photo.data))
    assert again.format == "JPEG" and again.size == (photo.width, photo.height)
    assert photo.data_uri.startswith("data:image/jpeg;base64,") and len(photo.data) < 400_000


def test_render_with_a_hostile_foto_is_one_line_with_exit_2(tmp_path, settings, fake):
    from buurtscan.actions.fetch import fetch

    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    path = stories(tmp_path, "/etc/passwd")
    before = snapshot(settings.cache_dir)
    out = tmp_path / "uit"
    outcome = run(["render", "BU05183620", "--stories", str(path), "--format", "html", "--out", str(out)], settings)
    outcome.clean(2, "verhalen.csv, line 2, column 'foto'", "outside")
    assert snapshot(settings.cache_dir) == before and not list(out.glob("*.html"))


def test_a_big_photo_makes_a_small_note(tmp_path, settings, fake):
    # a 200 MB photo once made a 280 MB HTML note; now the cap refuses it, and a 12-megapixel
    # photo is embedded as a JPEG of at most 1200 px
    from buurtscan.actions.fetch import fetch

    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    Image.effect_noise((4000, 3000), 60).convert("RGB").save(tmp_path / "straat.jpg", quality=95)
    assert (tmp_path / "straat.jpg").stat().st_size > 2_000_000
    out = tmp_path / "uit"
    outcome = run(["render", "BU05183620", "--stories", str(stories(tmp_path, "straat.jpg")), "--format",
                   "html,docx", "--out", str(out)], settings)
    assert outcome.code == 0, outcome.err
    [html] = out.glob("*.html")
    text = html.read_text()
    assert "data:image/jpeg;base64," in text and html.stat().st_size < 1_500_000
    [docx] = out.glob("*.docx")
    with zipfile.ZipFile(docx) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert media and all(z.getinfo(n).file_size < 1_000_000 for n in media)
