"""`ebhxh signer-agent`: run the agent in this console until Ctrl+C.

The console is the agent's window: pairing codes and every signature request are printed
here, so the person at the PC sees who asks for what.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from ebhxh.cliparse import VietnameseArgumentParser
from ebhxh.signer_agent.server import (
    DEFAULT_ORIGINS,
    DEFAULT_PORT,
    AgentEvent,
    AgentServer,
    normalise_origin,
)


def _origin(value: str) -> str:
    try:
        return normalise_origin(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"cổng không hợp lệ: {value!r}")
    return port


def _build_parser() -> VietnameseArgumentParser:
    parser = VietnameseArgumentParser(
        prog="ebhxh signer-agent",
        description=(
            "Ứng dụng ký số ebhxh: cho trang web BHXH điện tử ký hồ sơ bằng USB Token cắm trên "
            "máy này. Chỉ nghe trên 127.0.0.1."
        ),
    )
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"cổng (mặc định {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--module",
        help="thư viện PKCS#11 của USB Token (mặc định EBHXH_PKCS11_MODULE, rồi SoftHSM2)",
    )
    parser.add_argument(
        "--allow-origin",
        dest="origins",
        action="append",
        type=_origin,
        metavar="ORIGIN",
        help=(
            "địa chỉ trang web được phép dùng ứng dụng, ví dụ https://bhxh.example.vn; lặp lại "
            f"cho nhiều trang (mặc định {', '.join(DEFAULT_ORIGINS)})"
        ),
    )
    return parser


def run(argv: Sequence[str], *, out: TextIO | None = None) -> int:
    """Run `ebhxh signer-agent <argv>` until Ctrl+C; returns the exit status."""
    stream = sys.stdout if out is None else out
    parser = _build_parser()
    args = parser.parse_or_status(argv)
    if isinstance(args, int):
        return args

    def show_code(origin: str, code: str) -> None:
        print(
            f"\n*** Mã ghép nối cho trang {origin}: {code[:3]} {code[3:]} ***\n"
            "    Chỉ nhập mã này nếu chính bạn vừa bấm “Ghép nối” trên trang đó.\n",
            file=stream,
            flush=True,
        )

    def show_event(event: AgentEvent) -> None:
        print(event.describe(), file=stream, flush=True)

    try:
        agent = AgentServer(
            port=args.port,
            module=args.module,
            allowed_origins=args.origins or DEFAULT_ORIGINS,
            on_pairing_code=show_code,
            on_event=show_event,
        )
    except OSError as exc:
        print(
            f"Lỗi: không mở được cổng {args.port} trên 127.0.0.1 ({exc.strerror}). Có thể ứng "
            "dụng ký số đang chạy rồi, hoặc chọn cổng khác bằng --port.",
            file=sys.stderr,
        )
        return 1
    module = agent.module if agent.module_found else "KHÔNG TÌM THẤY (dùng --module)"
    print(
        f"Ứng dụng ký số ebhxh đang chạy tại {agent.url}\n"
        f"Thư viện PKCS#11: {module}\n"
        f"Trang được phép: {', '.join(sorted(agent.allowed_origins))}\n"
        "Nhấn Ctrl+C để dừng.",
        file=stream,
        flush=True,
    )
    try:
        agent.serve_forever()
    except KeyboardInterrupt:
        print("Đã dừng ứng dụng ký số.", file=stream, flush=True)
    finally:
        agent.stop()
    return 0
