"""The Sage 100 flag format ("format Sage", sage100.md §2): write imports, read exports.

    encoding  CP850 text, comma decimals, JJMMAA dates, findings for changed text
    layouts   FormatProfile: #VER and the line layout of each record kind
    writer    write_import_file, new_records
    parser    parse_flag_file, pieces, FlagFileError
    learn     learn_format: a FormatProfile from the user's own export
"""

from sagesync.sage.flagfile.encoding import format_amount, format_date, sage_code, to_cp850
from sagesync.sage.flagfile.layouts import (
    FORMAT_V14,
    FORMAT_V31,
    FormatProfile,
    RecordLayout,
    built_in_format,
)
from sagesync.sage.flagfile.learn import learn_format
from sagesync.sage.flagfile.parser import (
    FlagFileError,
    FlagRecord,
    ParsedAnalytic,
    ParsedFile,
    ParsedLine,
    ParsedPiece,
    parse_flag_file,
    pieces,
)
from sagesync.sage.flagfile.writer import WriteResult, check_entry, new_records, write_import_file

__all__ = [
    "FORMAT_V14",
    "FORMAT_V31",
    "FlagFileError",
    "FlagRecord",
    "FormatProfile",
    "ParsedAnalytic",
    "ParsedFile",
    "ParsedLine",
    "ParsedPiece",
    "RecordLayout",
    "WriteResult",
    "built_in_format",
    "check_entry",
    "format_amount",
    "format_date",
    "learn_format",
    "new_records",
    "parse_flag_file",
    "pieces",
    "sage_code",
    "to_cp850",
    "write_import_file",
]
