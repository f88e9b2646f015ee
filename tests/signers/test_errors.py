"""The error catalogue: every code has a message, a test, and survives pickling."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
from pathlib import Path

import ebhxh.signers
from ebhxh.signers.errors import MESSAGES_VI, SignerError, SignerErrorCode

TESTS = Path(__file__).parent
PACKAGE = Path(ebhxh.signers.__file__).parent


def test_every_code_has_a_vietnamese_message() -> None:
    assert set(MESSAGES_VI) == set(SignerErrorCode)
    for code, message in MESSAGES_VI.items():
        assert code.value == code.name
        assert message.endswith((".", ")")), code
        assert re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", message), code


def test_every_code_is_exercised_by_a_test() -> None:
    text = "".join(
        path.read_text(encoding="utf-8")
        for path in TESTS.glob("test_*.py")
        if path != Path(__file__)
    )
    untested = [code.name for code in SignerErrorCode if f"SignerErrorCode.{code.name}" not in text]
    assert not untested


def test_message_detail_and_str() -> None:
    error = SignerError(SignerErrorCode.TOKEN_NOT_FOUND, detail="(đang có: 'A')")
    assert error.code is SignerErrorCode.TOKEN_NOT_FOUND
    assert error.message_vi == MESSAGES_VI[SignerErrorCode.TOKEN_NOT_FOUND]
    assert str(error) == f"TOKEN_NOT_FOUND: {error.message_vi} (đang có: 'A')"
    custom = SignerError("DIGEST_LENGTH", "Thông điệp riêng.")
    assert custom.code is SignerErrorCode.DIGEST_LENGTH and str(custom) == (
        "DIGEST_LENGTH: Thông điệp riêng."
    )
    restored = pickle.loads(pickle.dumps(error))
    assert (restored.code, restored.message_vi, restored.detail) == (
        error.code,
        error.message_vi,
        error.detail,
    )


def test_signers_import_no_django() -> None:
    modules = sorted(f"ebhxh.signers.{path.stem}" for path in PACKAGE.glob("*.py"))
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in modules)
        + "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
