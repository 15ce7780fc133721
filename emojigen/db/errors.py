"""Database failures in words an operator can act on: which server, which database, what to check.
Never a password: messages are built from the host, port, user and database names only."""

from __future__ import annotations

from emojigen.errors import ServiceUnavailable


class DatabaseError(ServiceUnavailable):
    """The history cannot be used."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, "历史记录暂时无法读取或保存（数据库出错），请稍后再试。",
                         "The history cannot be read or saved right now (a database problem); please try again later.")
