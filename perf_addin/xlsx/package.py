"""The zip package: checked on open, untouched parts copied byte for byte on save.

Untouched parts are copied as their raw compressed bytes, never decompressed and
recompressed, so they stay identical to the byte and saving costs what is written,
not what the workbook already holds.

New packages (a fresh per-employee pack, the add-in) are written here too: their
content types, relationships and reproducible zip come from one place, so every
package the tool makes from nothing is laid out the same way.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO, Iterable, Mapping

from .errors import WorkbookError
from .xml import CONTENT_TYPES, CT_RELATIONSHIPS, PKG_REL, attr

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_PART_BYTES = 512 * 1024 * 1024  # a part we parse; larger is refused, not read
MAX_RATIO = 200  # compression ratio beyond which a large part is a zip bomb
#: deflate level for a large streamed part: 4 packs a 70 MB sheet 2.4 times faster than
#: 6, into a file 10 % larger
STREAM_LEVEL = 4
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_CENTRAL_HEADER = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")


def sniff(path: Path, data: bytes | None = None) -> None:
    """Refuse what is not an OOXML zip, saying what it is instead. ``data`` is the
    file's content when the caller has already read it (the file is then not opened)."""
    name = path.name
    if data is None:
        if not path.exists():
            raise WorkbookError(f"{name}: no such file", zh=f"{name}：文件不存在")
        if not path.is_file():
            raise WorkbookError(f"{name}: not a file", zh=f"{name}：不是文件")
        with path.open("rb") as f:
            head = f.read(8)
    else:
        head = data[:8]
    if head == CFB_MAGIC:
        raise WorkbookError(f"{name}: {_cfb_kind(path if data is None else io.BytesIO(data))}")
    if not head.startswith(b"PK"):
        raise WorkbookError(f"{name}: not an Excel workbook (.xlsx/.xlsm is a zip package; "
                            "this file is not one)")
    if path.suffix.lower() == ".xlsb":
        raise WorkbookError(f"{name}: binary workbooks (.xlsb) are not supported; "
                            "save it as .xlsx or .xlsm in Excel")


def _cfb_kind(path: Path | BinaryIO) -> str:
    """An OLE compound file is either an encrypted OOXML package or an old .xls."""
    try:
        import olefile
        with olefile.OleFileIO(str(path) if isinstance(path, Path) else path) as ole:
            streams = {"/".join(s) for s in ole.listdir()}
    except Exception:
        return "an OLE compound file that is not a readable workbook"
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        return ("the workbook is password-encrypted; open it in Excel, remove the password "
                "(File > Info > Protect Workbook) and try again")
    if "Workbook" in streams or "Book" in streams:
        return ("an old binary Excel workbook (.xls); save it as .xlsx or .xlsm in Excel first")
    return "an OLE compound file, not an Excel workbook"


class StreamedPart:
    """A part produced chunk by chunk while it is compressed into its zip entry, so a
    large rewritten sheet never exists whole in memory a second time."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = chunks


class ZipSource:
    """Read access to the original package: the file at ``path``, or its content
    ``data`` already read into memory."""

    def __init__(self, path: Path, data: bytes | None = None) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path if data is None else io.BytesIO(data))
            self.infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise WorkbookError(f"{path.name}: damaged or truncated package ({exc})") from None
        self.by_name = {i.filename: i for i in self.infos}
        if len(self.by_name) != len(self.infos):
            raise WorkbookError(f"{path.name}: package lists a part twice")
        for info in self.infos:
            if info.flag_bits & 0x1:
                raise WorkbookError(f"{path.name}: part {info.filename} is zip-encrypted")

    def has(self, name: str) -> bool:
        return name in self.by_name

    def read(self, name: str) -> bytes:
        """A part's bytes, refusing sizes a workbook never has (zip bombs)."""
        info = self.by_name.get(name)
        if info is None:
            raise WorkbookError(f"{self.path.name}: part {name} is missing")
        too_big = info.file_size > MAX_PART_BYTES
        bomb = info.file_size > 64 * 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        if too_big or bomb:
            raise WorkbookError(f"{self.path.name}: part {name} unpacks to "
                                f"{info.file_size:,} bytes; refusing to read it")
        try:
            return self._zip.read(info)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
            raise WorkbookError(f"{self.path.name}: part {name} is damaged ({exc})") from None

    def raw(self, info: zipfile.ZipInfo) -> bytes:
        """The compressed bytes of a part exactly as stored."""
        fp = self._zip.fp
        fp.seek(info.header_offset)
        header = fp.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise WorkbookError(f"{self.path.name}: part {info.filename} is damaged")
        name_len, extra_len = struct.unpack("<2H", header[26:30])
        fp.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
        data = fp.read(info.compress_size)
        if len(data) != info.compress_size:
            raise WorkbookError(f"{self.path.name}: part {info.filename} is truncated")
        return data

    def close(self) -> None:
        self._zip.close()


class ZipSink:
    """A minimal zip writer that can copy raw entries and add new deflated ones."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._central: list[bytes] = []
        self._offset = 0

    def copy(self, info: zipfile.ZipInfo, raw: bytes) -> None:
        utf8 = bool(info.flag_bits & 0x800)
        name = info.filename.encode("utf-8" if utf8 else "cp437")
        # Keep the general-purpose flags that describe the data (deflate level,
        # UTF-8 name); drop the data-descriptor bit since sizes go in the header.
        flags = info.flag_bits & ~0x08
        self._entry(name, flags, info.compress_type, info.date_time, info.CRC,
                    info.compress_size, info.file_size, raw, info.external_attr)

    def add(self, name: str, data: bytes) -> None:
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed = compressor.compress(data) + compressor.flush()
        encoded = name.encode("utf-8")
        flags = 0x800 if not encoded.isascii() else 0
        self._entry(encoded, flags, zipfile.ZIP_DEFLATED, time.localtime()[:6],
                    zlib.crc32(data), len(packed), len(data), packed, 0)

    def add_stream(self, name: str, chunks: Iterable[bytes]) -> None:
        """``add`` for a part given in pieces: compressed as they come (only the
        compressed entry is held, to write its header first)."""
        compressor = zlib.compressobj(STREAM_LEVEL, zlib.DEFLATED, -15)
        packed, crc, size = [], 0, 0
        for chunk in chunks:
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            packed.append(compressor.compress(chunk))
        packed.append(compressor.flush())
        data = b"".join(packed)
        encoded = name.encode("utf-8")
        flags = 0x800 if not encoded.isascii() else 0
        self._entry(encoded, flags, zipfile.ZIP_DEFLATED, time.localtime()[:6], crc,
                    len(data), size, data, 0)

    def _entry(self, name: bytes, flags: int, method: int, when: tuple, crc: int,
               csize: int, usize: int, data: bytes, external: int) -> None:
        if max(csize, usize, self._offset) >= 0xFFFFFFFF:
            raise WorkbookError("the workbook would exceed 4 GiB, which is not supported")
        dos_time, dos_date = _dos_datetime(when)
        self._out.write(_LOCAL_HEADER.pack(b"PK\x03\x04", 20, flags, method, dos_time,
                                           dos_date, crc, csize, usize, len(name), 0))
        self._out.write(name)
        self._out.write(data)
        self._central.append(_CENTRAL_HEADER.pack(
            b"PK\x01\x02", 20, 20, flags, method, dos_time, dos_date, crc, csize, usize,
            len(name), 0, 0, 0, 0, external, self._offset) + name)
        self._offset += _LOCAL_HEADER.size + len(name) + len(data)

    def close(self) -> None:
        start = self._offset
        directory = b"".join(self._central)
        self._out.write(directory)
        count = len(self._central)
        if count > 0xFFFF:
            raise WorkbookError("the workbook would hold more than 65,535 parts")
        self._out.write(_END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), start, 0))


def _dos_datetime(when: tuple) -> tuple[int, int]:
    year, month, day, hour, minute, second = when[:6]
    year = min(max(year, 1980), 2107)
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


def write_package(source: ZipSource, replaced: dict[str, bytes | StreamedPart], removed: set[str],
                  added: dict[str, bytes], out: BinaryIO) -> None:
    """Write the package: originals in their order (raw, or replaced), then new parts."""
    sink = ZipSink(out)
    for info in source.infos:
        if info.filename in removed:
            continue
        data = replaced.get(info.filename)
        if isinstance(data, StreamedPart):
            sink.add_stream(info.filename, data.chunks)
        elif data is not None:
            sink.add(info.filename, data)
        else:
            sink.copy(info, source.raw(info))
    for name, data in added.items():
        sink.add(name, data)
    sink.close()


def package_bytes(source: ZipSource, replaced: dict[str, bytes | StreamedPart], removed: set[str],
                  added: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    write_package(source, replaced, removed, added, buffer)
    return buffer.getvalue()


# ------------------------------------------------------------ new packages

XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
DEFAULT_TYPES = (("rels", CT_RELATIONSHIPS), ("xml", "application/xml"))


def content_types_xml(overrides: Mapping[str, str],
                      defaults: Iterable[tuple[str, str]] = DEFAULT_TYPES) -> bytes:
    """``[Content_Types].xml``: the extension defaults, then one override per part
    (``{"/xl/workbook.xml": content type}``) in the order given."""
    rows = "".join(f'<Default Extension="{ext}" ContentType="{kind}"/>' for ext, kind in defaults)
    rows += "".join(f'<Override PartName="{part}" ContentType="{kind}"/>' for part, kind in overrides.items())
    return (XML_HEAD + f'<Types xmlns="{CONTENT_TYPES}">{rows}</Types>').encode("utf-8")


def relationships_xml(rels: Iterable[tuple[str, str]]) -> bytes:
    """A ``.rels`` part: ``(type, target)`` pairs numbered rId1, rId2, … in order."""
    rows = "".join(f'<Relationship Id="rId{i}" Type="{kind}" Target={attr(target)}/>'
                   for i, (kind, target) in enumerate(rels, 1))
    return (XML_HEAD + f'<Relationships xmlns="{PKG_REL}">{rows}</Relationships>').encode("utf-8")


def new_package(parts: Mapping[str, bytes], out: BinaryIO, date_time: tuple[int, ...],
                compresslevel: int | None = None, dos_attributes: bool = False) -> None:
    """Write a package whose bytes depend on the parts only: in the order given,
    deflated, with one fixed time stamp (and, with ``dos_attributes``, marked as
    made on MS-DOS rather than on the building system, so the same bytes come
    out on Linux, macOS and Windows)."""
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            if dos_attributes:
                info.create_system = 0
                info.external_attr = 0
            archive.writestr(info, data, compresslevel=compresslevel)
