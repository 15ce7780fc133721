"""Database failures in words an operator can act on: which server, which database, what to check.
Never a password: messages are built from the host, port, user and database names only."""

from __future__ import annotations

from emojigen.errors import EmojigenError


class DatabaseError(EmojigenError):
    """The history cannot be used. People see a short message in both languages; `str()` and the log
    give the operator the detail (`detail`)."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__("历史记录暂时无法读取或保存（数据库出错），请稍后再试。",
                         "The history cannot be read or saved right now (a database problem); please try again later.")

    def __str__(self) -> str:
        return self.detail
