"""Reads back the QR codes Lockwarden draws as text, so tests can check what a phone would scan.

`QRText.render` draws two module rows per line with half blocks: U+2588 (both dark),
U+2580 (top dark), U+2584 (bottom dark) and a space (both light). `decode_qr_text` turns
that back into a bitmap, writes it as a greyscale PGM (black modules on white, scaled up,
with a quiet zone) and lets `zbarimg` (zbar-tools) decode it.
"""

import os
import subprocess
import tempfile

FULL, UPPER, LOWER = "\u2588", "\u2580", "\u2584"
_CELLS = {FULL: (True, True), UPPER: (True, False), LOWER: (False, True), " ": (False, False)}


def qr_lines(text):
    """The lines of `text` that draw the code: only half blocks and spaces, at least one block.

    The quiet zone's blank lines and any text around the code (as in `mfa enroll`) are left out.
    """
    lines = []
    for line in text.split("\n"):
        if line.strip(" ") and all(char in _CELLS for char in line):
            lines.append(line)
        elif lines:
            break
    if not lines:
        raise ValueError("no QR code in the text")
    return lines


def modules_from_text(text):
    """The module bitmap (rows of booleans, True = dark) of half-block text."""
    lines = qr_lines(text)
    width = max(len(line) for line in lines)
    rows = []
    for line in lines:
        top, bottom = [], []
        for char in line.ljust(width):
            upper, lower = _CELLS[char]
            top.append(upper)
            bottom.append(lower)
        rows.append(top)
        rows.append(bottom)
    return rows


def write_pgm(rows, path, scale=8, border=4):
    """Writes the bitmap as a binary PGM (P5): dark modules black, the rest white."""
    width = len(rows[0]) if rows else 0
    size_x = (width + 2 * border) * scale
    size_y = (len(rows) + 2 * border) * scale
    white_line = bytes([255]) * size_x
    data = bytearray()
    for _ in range(border * scale):
        data += white_line
    for row in rows:
        line = bytearray([255]) * (border * scale)
        for dark in row:
            line += bytes([0 if dark else 255]) * scale
        line += bytearray([255]) * (border * scale)
        for _ in range(scale):
            data += line
    for _ in range(border * scale):
        data += white_line
    with open(path, "wb") as out:
        out.write(b"P5\n%d %d\n255\n" % (size_x, size_y))
        out.write(bytes(data))


def decode_qr_text(text) -> str:
    """The content of the QR code drawn in `text`, as zbarimg reads it (no trailing newline)."""
    rows = modules_from_text(text)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "qr.pgm")
        write_pgm(rows, path)
        result = subprocess.run(
            ["zbarimg", "--raw", "-q", path], capture_output=True, text=True, timeout=30
        )
    if result.returncode != 0:
        raise ValueError(f"zbarimg could not read the QR code (status {result.returncode}): {result.stderr}")
    return result.stdout.rstrip("\n")


if __name__ == "__main__":
    import sys

    print(decode_qr_text(sys.stdin.read()))
