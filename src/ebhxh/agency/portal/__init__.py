"""The public portal: accounts for organisations and individuals, Mẫu 01, passwords."""
