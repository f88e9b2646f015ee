"""SoftHSM2, the software token used in development, tests and the demo.

Real USB tokens arrive initialised by their certification authority with a PIN already set;
only SoftHSM needs a token created. `softhsm2-util` does that because PKCS#11's C_InitToken
is not exposed by python-pkcs11. SoftHSM reads its configuration from the file named by
SOFTHSM2_CONF (else its built-in default), which is how tests keep their tokens private.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from ebhxh.signers.errors import SignerError, SignerErrorCode

__all__ = [
    "SOFTHSM_MODULE_CANDIDATES",
    "find_softhsm_module",
    "init_softhsm_token",
    "softhsm_config_path",
    "write_softhsm_config",
]

# Where distributions install the module: Debian/Ubuntu (a symlink and the multiarch file),
# Fedora/RHEL, a source build, Homebrew.
SOFTHSM_MODULE_CANDIDATES: tuple[str, ...] = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/i386-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/lib64/softhsm/libsofthsm.so",
    "/usr/lib/pkcs11/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
)
DEFAULT_CONFIG = Path("/etc/softhsm/softhsm2.conf")
CONFIG_ENV = "SOFTHSM2_CONF"
PIN_LENGTH = range(4, 256)  # what softhsm2-util accepts; it prompts on a TTY otherwise
LABEL_MAX_BYTES = 32  # CK_TOKEN_INFO.label is 32 bytes
UTIL_TIMEOUT_SECONDS = 60


def find_softhsm_module() -> Path | None:
    """The SoftHSM2 PKCS#11 module at the first usual location that exists, if any."""
    for candidate in SOFTHSM_MODULE_CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return path
    for path in sorted(Path("/usr/lib").glob("*/softhsm/libsofthsm2.so")):
        if path.is_file():
            return path
    return None


def softhsm_config_path() -> Path:
    """The configuration SoftHSM will read: SOFTHSM2_CONF, else the packaged default."""
    configured = os.environ.get(CONFIG_ENV)
    return Path(configured) if configured else DEFAULT_CONFIG


def write_softhsm_config(conf_dir: Path) -> Path:
    """Create `<conf_dir>/softhsm2.conf` keeping tokens in `<conf_dir>/tokens`, once.

    An existing file is left alone so tokens created earlier stay reachable.
    """
    tokens = conf_dir / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    config = conf_dir / "softhsm2.conf"
    if not config.exists():
        config.write_text(
            f"directories.tokendir = {tokens}\n"
            "objectstore.backend = file\n"
            "log.level = ERROR\n"
            "slots.removable = false\n",
            encoding="utf-8",
        )
    return config


def init_softhsm_token(
    *, token_label: str, so_pin: str, pin: str, conf_dir: Path | None = None
) -> Path:
    """Create a SoftHSM token in the first free slot; return the configuration it lives in.

    With `conf_dir`, a private configuration is written there (set SOFTHSM2_CONF to the
    returned path for later calls); without it, SOFTHSM2_CONF or the default is used.
    PINs go to softhsm2-util as arguments, visible to local process listings: acceptable for
    a development token, which is all this is for.
    """
    _check_init_arguments(token_label=token_label, so_pin=so_pin, pin=pin)
    util = shutil.which("softhsm2-util")
    if util is None:
        raise SignerError(
            SignerErrorCode.TOKEN_INIT_FAILED,
            detail="(không tìm thấy lệnh softhsm2-util; cài gói softhsm2)",
        )
    env = dict(os.environ)
    config = softhsm_config_path()
    if conf_dir is not None:
        config = write_softhsm_config(conf_dir)
        env[CONFIG_ENV] = str(config)
    if token_label in _existing_labels(util, env):
        raise SignerError(SignerErrorCode.TOKEN_LABEL_IN_USE, detail=f"('{token_label}')")
    result = _run(
        [util, "--init-token", "--free", "--label", token_label, "--so-pin", so_pin, "--pin", pin],
        env,
    )
    if result.returncode != 0:
        raise SignerError(
            SignerErrorCode.TOKEN_INIT_FAILED, detail=_util_message(result.stderr, result.stdout)
        )
    return config


def _check_init_arguments(*, token_label: str, so_pin: str, pin: str) -> None:
    """softhsm2-util would prompt (or hang without a TTY) on these, so refuse them first."""
    if not token_label.strip() or len(token_label.encode("utf-8")) > LABEL_MAX_BYTES:
        raise SignerError(
            SignerErrorCode.TOKEN_INIT_FAILED,
            detail=f"(tên token phải có từ 1 đến {LABEL_MAX_BYTES} byte)",
        )
    for name, value in (("SO PIN", so_pin), ("mã PIN", pin)):
        if len(value) not in PIN_LENGTH:
            raise SignerError(
                SignerErrorCode.TOKEN_INIT_FAILED, detail=f"({name} phải dài 4–255 ký tự)"
            )


def _existing_labels(util: str, env: dict[str, str]) -> set[str]:
    result = _run([util, "--show-slots"], env)
    if result.returncode != 0:
        raise SignerError(
            SignerErrorCode.TOKEN_INIT_FAILED, detail=_util_message(result.stderr, result.stdout)
        )
    labels: set[str] = set()
    for line in result.stdout.splitlines():
        name, _, value = line.strip().partition(":")
        if name == "Label" and value.strip():
            labels.add(value.strip())
    return labels


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 - fixed executable from PATH, no shell
            args,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=UTIL_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SignerError(
            SignerErrorCode.TOKEN_INIT_FAILED, detail=f"({type(exc).__name__})"
        ) from exc


def _util_message(stderr: str, stdout: str) -> str:
    lines = [line.strip() for line in (stderr or stdout).splitlines() if line.strip()]
    return f"(softhsm2-util: {' '.join(lines)})" if lines else "(softhsm2-util báo lỗi)"
