"""The gateway's refusal: a rejection-catalogue code, what was wrong, and where."""

from __future__ import annotations


class GatewayError(Exception):
    """A refusal the gateway answers with the catalogue's Vietnamese message for `code`.

    `detail` says what was found (shown to the I-VAN's support staff), `xpath` points at the
    field at fault when there is one, and `status` overrides the catalogue's HTTP status.
    Eligibility checks registered by other apps return or raise one of these.
    """

    def __init__(
        self, code: str, detail: str = "", *, xpath: str = "", status: int | None = None
    ) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.xpath = xpath
        self.status = status
