"""Named test doubles for the I-VAN app (never on a shipped path)."""

from __future__ import annotations

from typing import ClassVar

from ebhxh.ivan.remote_signing import RemoteCredential, RemoteSigningError


class FakeCredentialDirectory:
    """A remote-signing provider with fixed accounts; records each login (without keeping
    the password anywhere else) so tests can see what was asked."""

    accounts: ClassVar[dict[tuple[str, str], tuple[str, list[RemoteCredential]]]] = {}
    logins: ClassVar[list[tuple[str, str]]] = []

    def list_credentials(
        self, *, base_url: str, username: str, password: str
    ) -> list[RemoteCredential]:
        self.logins.append((base_url, username))
        known = self.accounts.get((base_url, username))
        if known is None or known[0] != password:
            raise RemoteSigningError(
                "Đăng nhập tài khoản ký số từ xa không thành công: sai tên đăng nhập hoặc mật "
                "khẩu.",
                code="REMOTE_LOGIN_FAILED",
                field="password",
            )
        return list(known[1])
