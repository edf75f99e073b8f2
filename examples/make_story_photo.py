"""Draw the example story photo (examples/foto-speelplek.jpg): a made-up picture, no real place.

    python examples/make_story_photo.py

A simple drawn scene (sky, flats, a playground) in 4:3, so that the renderers' 3:2 crop shows.
"""

from pathlib import Path

from PIL import Image, ImageDraw


def main() -> None:
    im = Image.new("RGB", (1200, 900), "#bcd4e6")
    d = ImageDraw.Draw(im)
    d.rectangle((0, 560, 1200, 900), fill="#7da35a")
    for i, x in enumerate(range(40, 1200, 290)):
        d.rectangle((x, 180 + 40 * (i % 2), x + 230, 600), fill="#a9745b", outline="#5b3a29", width=4)
        for wy in range(220 + 40 * (i % 2), 560, 70):
            for wx in range(x + 20, x + 210, 55):
                d.rectangle((wx, wy, wx + 35, wy + 40), fill="#f2e6b8", outline="#5b3a29", width=2)
    d.line((300, 820, 420, 620), fill="#333333", width=10)  # a swing frame
    d.line((540, 820, 420, 620), fill="#333333", width=10)
    d.line((420, 620, 760, 620), fill="#333333", width=10)
    d.line((640, 820, 760, 620), fill="#333333", width=10)
    d.line((880, 820, 760, 620), fill="#333333", width=10)
    d.line((560, 620, 560, 760), fill="#555555", width=4)
    d.rectangle((530, 760, 590, 775), fill="#c0392b")
    out = Path(__file__).with_name("foto-speelplek.jpg")
    im.save(out, quality=80)
    print(out)


if __name__ == "__main__":
    main()
