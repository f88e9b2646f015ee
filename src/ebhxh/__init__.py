"""ebhxh: open electronic social-insurance transactions (giao dịch điện tử BHXH)."""

__version__ = "0.1.0"
