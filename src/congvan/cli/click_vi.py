"""Click's own messages in Vietnamese: usage errors, help headings, the version line.

Click marks every message it shows for translation (``gettext``'s ``_`` and
``ngettext``, imported into each of its modules) but ships no catalogue, and
gettext would pick a language from the environment (``LANG``), which a clerk's
machine does not set to Vietnamese. :func:`install` puts this catalogue into
those hooks, so "No such option", "Missing argument", "Usage:" and the rest reach
the user in Vietnamese whatever the locale. A message missing here stays English:
``tests/test_cli_vi.py`` checks the catalogue against the installed Click.

The placeholders (``{name!r}``, ``%(prog)s``) are Click's and stay as they are.
"""

from __future__ import annotations

import gettext
import sys

#: Click msgid -> Vietnamese (singular and plural msgids each have their own entry).
CATALOGUE: dict[str, str] = {
    # help and usage
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Tham số",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "Confirm the action without prompting.": "Xác nhận luôn, không hỏi lại.",
    "Do you want to continue?": "Tiếp tục?",
    "env var: {var}": "biến môi trường: {var}",
    "default: {default}": "mặc định: {default}",
    "(dynamic)": "(tự tính)",
    "deprecated": "không còn dùng",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": (
        "Cảnh báo: lệnh {name!r} không còn được dùng.{extra_message}"
    ),
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": (
        "Cảnh báo: {param_type} {name!r} không còn được dùng.{extra_message}"
    ),
    # errors
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Xem '{command} {option}' để biết cách dùng.",
    "Aborted!": "Đã dừng theo yêu cầu.",
    "unknown error": "lỗi không rõ",
    "Missing command.": "Thiếu tên lệnh.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "Did you mean {possibility}?": "Có phải là {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải là một trong: {possibilities}?)",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Got unexpected extra argument ({args})": "Thừa tham số ({args})",
    "Got unexpected extra arguments ({args})": "Thừa các tham số ({args})",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Option {name!r} requires an argument.": "Tùy chọn {name!r} cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "Tùy chọn {name!r} cần {nargs} giá trị.",
    "Argument {name!r} takes {nargs} values.": "Tham số {name!r} cần {nargs} giá trị.",
    "Invalid start character for option ({option})": "Ký tự đầu của tùy chọn không hợp lệ ({option})",
    "Takes {nargs} values but 1 was given.": "Cần {nargs} giá trị nhưng chỉ có 1.",
    "Takes {nargs} values but {len} were given.": "Cần {nargs} giá trị nhưng có {len}.",
    "Value must be an iterable.": "Giá trị phải là một danh sách.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    # parameter types
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} không đọc được.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} không ghi được.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} không chạy được.",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải {number_type} hợp lệ.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} không phải giá trị đúng/sai. Các giá trị nhận: {states}"
    ),
    "{value!r} is not a valid UUID.": "{value!r} không phải UUID hợp lệ.",
    "{value!r} is not {choice}.": "{value!r} không phải {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} không thuộc các giá trị {choices}.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "Choice({choices})": "Chọn({choices})",
    "{value!r} does not match the format {format}.": "{value!r} không đúng dạng {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} không đúng dạng nào trong {formats}.",
    "{len_type} values are required, but {len_value} was given.": "Cần {len_type} giá trị, nhưng có {len_value}.",
    "{len_type} values are required, but {len_value} were given.": "Cần {len_type} giá trị, nhưng có {len_value}.",
    "required": "bắt buộc",
    # prompts
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai giá trị nhập vào không khớp.",
    "Error: invalid input": "Lỗi: giá trị nhập không hợp lệ",
    "Press any key to continue...": "Nhấn phím bất kỳ để tiếp tục...",
}

#: Click's parameter type names (shown as metavars, TEXT -> CHỮ, and inside "not a valid {number_type}").
TYPE_NAMES = {
    "text": "chữ",
    "integer": "số nguyên",
    "integer range": "số nguyên",
    "float": "số",
    "float range": "số",
    "boolean": "đúng/sai",
    "datetime": "ngày giờ",
    "filename": "tệp",
}

#: Click's metavars in usage lines (not gettext strings: attributes of each command).
OPTIONS_METAVAR = "[TÙY CHỌN]"
SUBCOMMAND_METAVAR = "LỆNH [THAM SỐ]..."
_CLICK_SUBCOMMAND_METAVARS = ("COMMAND [ARGS]...", "COMMAND1 [ARGS]... [COMMAND2 [ARGS]...]...")


def vi_gettext(message: str) -> str:
    """Click's ``_``: the Vietnamese text of *message*, or *message* itself."""
    return CATALOGUE.get(message, message)


def vi_ngettext(singular: str, plural: str, n: int) -> str:
    """Click's ``ngettext``: Vietnamese has one form, but Click's two msgids may differ in wording."""
    return vi_gettext(singular if n == 1 else plural)


def install() -> None:
    """Put the catalogue into every loaded Click module's gettext hooks, and Vietnamese type names (idempotent)."""
    import click.types

    for kind in vars(click.types).values():
        if isinstance(kind, type) and issubclass(kind, click.types.ParamType) and "name" in vars(kind):
            kind.name = TYPE_NAMES.get(kind.name, kind.name)
    for name, module in list(sys.modules.items()):
        if name != "click" and not name.startswith("click."):
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = vi_gettext  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = vi_ngettext  # type: ignore[attr-defined]


def localise_command(command: object) -> None:
    """Vietnamese metavars on *command* and, for a group, on every sub-command it holds."""
    if getattr(command, "options_metavar", None) == "[OPTIONS]":
        command.options_metavar = OPTIONS_METAVAR  # type: ignore[attr-defined]
    if getattr(command, "subcommand_metavar", None) in _CLICK_SUBCOMMAND_METAVARS:
        command.subcommand_metavar = SUBCOMMAND_METAVAR  # type: ignore[attr-defined]
    for child in getattr(command, "commands", {}).values():
        localise_command(child)
