"""Every reason code an identifier check can give, with its Vietnamese and English message.

The codes are a stable contract (web apps, the gateway and scripts match on them); the
messages are for people, so each one says what is wrong and what to do about it. Keeping them
in one table lets the documentation and the tests prove that every code is described and
exercised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True, slots=True)
class Reason:
    """Message templates (str.format placeholders) for one code."""

    vi: str
    en: str


_MST_HINT_VI = "Kiểm tra lại mã số thuế trên giấy đăng ký kinh doanh."
_MST_HINT_EN = "Check the tax code on the business registration certificate."
_CCCD_HINT_VI = "Kiểm tra lại số trên thẻ căn cước."
_CCCD_HINT_EN = "Check the number printed on the citizen ID card."
_BHXH_HINT_VI = "Tra cứu mã số BHXH trên sổ BHXH, thẻ BHYT hoặc ứng dụng VssID."
_BHXH_HINT_EN = "Look the number up on the social-insurance book, health-insurance card or VssID."
_UNIT_HINT_VI = "Kiểm tra lại mã đơn vị trên thông báo cấp mã của cơ quan BHXH."
_UNIT_HINT_EN = "Check the unit code on the BHXH agency's code notice."
_SHEET_FIX_VI = "Sửa ô này trong bảng rồi kiểm tra lại."
_SHEET_FIX_EN = "Correct this cell and check the sheet again."

REASONS: Final[Mapping[str, Reason]] = MappingProxyType(
    {
        # Mã số thuế (tax code)
        "MST_EMPTY": Reason(
            "Chưa nhập mã số thuế. Nhập mã số thuế gồm 10 chữ số, hoặc 13 chữ số dạng "
            "0123456789-001 với đơn vị phụ thuộc.",
            "The tax code is empty. Enter the 10-digit tax code, or the 13-digit form "
            "0123456789-001 for a dependent unit.",
        ),
        "MST_NOT_DIGITS": Reason(
            "Mã số thuế {value} có {char} ở vị trí {position} không hợp lệ: mã số thuế "
            "chỉ gồm chữ số (và một dấu gạch ngang trước 3 số đuôi của đơn vị phụ thuộc). "
            "Xóa ký tự thừa rồi nhập lại.",
            "Tax code {value} has {char} at position {position}, which is not allowed: a tax "
            "code holds only digits (and one hyphen before a dependent unit's 3-digit suffix). "
            "Remove the extra character and enter it again.",
        ),
        "MST_LENGTH": Reason(
            "Mã số thuế {value} có {length} chữ số, nhưng mã số thuế phải có 10 chữ số, hoặc 13 "
            "chữ số với đơn vị phụ thuộc (dạng 0123456789-001). Kiểm tra xem có thiếu hay thừa "
            "chữ số không.",
            "Tax code {value} has {length} digits, but a tax code has 10 digits, or 13 for a "
            "dependent unit (0123456789-001). Check for a missing or extra digit.",
        ),
        "MST_BRANCH_FORMAT": Reason(
            "Mã số thuế {value} sai định dạng: mã của đơn vị phụ thuộc gồm 10 chữ số, một dấu "
            "gạch ngang và 3 chữ số (ví dụ 0123456789-001). " + _MST_HINT_VI,
            "Tax code {value} is malformed: a dependent unit's code is 10 digits, one hyphen and "
            "3 digits (for example 0123456789-001). " + _MST_HINT_EN,
        ),
        "MST_BRANCH_SUFFIX": Reason(
            "Mã số thuế {value} có 3 số đuôi 000 không hợp lệ: số thứ tự đơn vị phụ thuộc phải "
            "từ 001 đến 999. Nếu là đơn vị chính, chỉ nhập 10 chữ số đầu.",
            "Tax code {value} ends in 000, which is not a dependent-unit number (001 to 999). "
            "For the main unit, enter only the first 10 digits.",
        ),
        "MST_CHECK_DIGIT": Reason(
            "Mã số thuế {value} sai chữ số kiểm tra: chữ số cuối phải là {expected}. "
            + _MST_HINT_VI,
            "Tax code {value} has a wrong check digit: the last digit must be {expected}. "
            + _MST_HINT_EN,
        ),
        "MST_CHECK_DIGIT_UNDEFINED": Reason(
            "Mã số thuế {value} không hợp lệ: 9 chữ số đầu {body} không có chữ số kiểm tra nào "
            "phù hợp nên cơ quan thuế không cấp mã này. " + _MST_HINT_VI,
            "Tax code {value} is invalid: its first nine digits {body} admit no check digit, so "
            "the tax office never issues it. " + _MST_HINT_EN,
        ),
        # Căn cước công dân (citizen ID)
        "CCCD_EMPTY": Reason(
            "Chưa nhập số CCCD. Nhập đủ 12 chữ số in trên thẻ căn cước.",
            "The citizen ID number is empty. Enter the 12 digits printed on the ID card.",
        ),
        "CCCD_NOT_DIGITS": Reason(
            "Số CCCD {value} có {char} ở vị trí {position} không hợp lệ: số CCCD chỉ gồm "
            "12 chữ số. Xóa ký tự thừa rồi nhập lại.",
            "Citizen ID {value} has {char} at position {position}, which is not allowed: the "
            "number is 12 digits only. Remove the extra character and enter it again.",
        ),
        "CCCD_LENGTH": Reason(
            "Số CCCD {value} có {length} chữ số, nhưng số CCCD phải có đúng 12 chữ số. "
            + _CCCD_HINT_VI,
            "Citizen ID {value} has {length} digits, but the number has exactly 12. "
            + _CCCD_HINT_EN,
        ),
        "CCCD_LEGACY_CMND": Reason(
            "{value} là số chứng minh nhân dân (CMND) cũ 9 chữ số. Nhập số CCCD/định danh cá nhân "
            "12 chữ số thay cho số CMND.",
            "{value} is an old 9-digit identity card (CMND) number. Enter the 12-digit citizen "
            "ID (personal identification number) instead.",
        ),
        "CCCD_PROVINCE": Reason(
            "Số CCCD {value} có mã tỉnh {province_code} không tồn tại: 3 chữ số đầu phải là mã "
            "tỉnh, thành phố nơi đăng ký khai sinh (ví dụ 001 Hà Nội, 079 Hồ Chí Minh). "
            + _CCCD_HINT_VI,
            "Citizen ID {value} starts with {province_code}, which is no province code: the "
            "first 3 digits are the province of birth registration (e.g. 001 Hà Nội, 079 Hồ Chí "
            "Minh). " + _CCCD_HINT_EN,
        ),
        "CCCD_BIRTH_YEAR_FUTURE": Reason(
            "Số CCCD {value} cho năm sinh {birth_year}, là năm trong tương lai (chữ số thứ 4 là "
            "{century_digit}, chữ số 5–6 là {year_digits}). " + _CCCD_HINT_VI,
            "Citizen ID {value} gives birth year {birth_year}, which is in the future (4th digit "
            "{century_digit}, digits 5-6 {year_digits}). " + _CCCD_HINT_EN,
        ),
        "CCCD_BIRTH_YEAR_MISMATCH": Reason(
            "Số CCCD {value} cho năm sinh {cccd_year} nhưng ngày sinh đã khai là {birth_date}. "
            "Đối chiếu lại số CCCD và ngày sinh với thẻ căn cước.",
            "Citizen ID {value} gives birth year {cccd_year} but the declared birth date is "
            "{birth_date}. Compare both with the ID card.",
        ),
        "CCCD_GENDER_MISMATCH": Reason(
            "Số CCCD {value} là của người giới tính {cccd_gender} (chữ số thứ 4 là "
            "{century_digit}) nhưng giới tính đã khai là {declared_gender}. Đối chiếu lại số CCCD "
            "và giới tính với thẻ căn cước.",
            "Citizen ID {value} belongs to a {cccd_gender} person (4th digit {century_digit}) "
            "but the declared gender is {declared_gender}. Compare both with the ID card.",
        ),
        "GENDER_INVALID": Reason(
            "Giới tính '{value}' không hợp lệ. Ghi Nam hoặc Nữ.",
            "Gender '{value}' is not valid. Write Nam (male) or Nữ (female).",
        ),
        # Mã số BHXH (insurance number)
        "BHXH_EMPTY": Reason(
            "Chưa nhập mã số BHXH. Nhập mã số BHXH gồm 10 chữ số.",
            "The social-insurance number is empty. Enter the 10-digit number.",
        ),
        "BHXH_NOT_DIGITS": Reason(
            "Mã số BHXH {value} có {char} ở vị trí {position} không hợp lệ: mã số BHXH "
            "chỉ gồm 10 chữ số. Xóa ký tự thừa rồi nhập lại.",
            "Social-insurance number {value} has {char} at position {position}, "
            "which is not allowed: the number is 10 digits only. Remove the extra character.",
        ),
        "BHXH_LENGTH": Reason(
            "Mã số BHXH {value} có {length} chữ số, nhưng mã số BHXH phải có đúng 10 chữ số{hint}. "
            + _BHXH_HINT_VI,
            "Social-insurance number {value} has {length} digits, but it has exactly "
            "10{hint}. " + _BHXH_HINT_EN,
        ),
        # Mã đơn vị (unit code)
        "UNIT_CODE_EMPTY": Reason(
            "Chưa nhập mã đơn vị. Nhập mã đơn vị do cơ quan BHXH cấp (7 ký tự như TZH490L, hoặc "
            "15 ký tự như 0123456789DNA03).",
            "The unit code is empty. Enter the code the BHXH agency issued (7 characters like "
            "TZH490L, or 15 like 0123456789DNA03).",
        ),
        "UNIT_CODE_CHARACTERS": Reason(
            "Mã đơn vị {value} có {char} ở vị trí {position} không hợp lệ: mã đơn vị chỉ "
            "gồm chữ cái không dấu và chữ số. Xóa ký tự thừa rồi nhập lại.",
            "Unit code {value} has {char} at position {position}, which is not allowed: a unit "
            "code holds only unaccented letters and digits. Remove it and enter the code again.",
        ),
        "UNIT_CODE_LENGTH": Reason(
            "Mã đơn vị {value} có {length} ký tự, nhưng mã đơn vị có 7 ký tự (mã cũ, ví dụ "
            "TZH490L) hoặc 15 ký tự (mã theo cấu trúc mới, ví dụ 0123456789DNA03). "
            + _UNIT_HINT_VI,
            "Unit code {value} has {length} characters, but a unit code has 7 (old form, e.g. "
            "TZH490L) or 15 (new structure, e.g. 0123456789DNA03). " + _UNIT_HINT_EN,
        ),
        "UNIT_CODE_LEGACY_PREFIX": Reason(
            "Mã đơn vị {value} không hợp lệ: mã 7 ký tự phải bắt đầu bằng 2 chữ cái (ví dụ "
            "TZH490L). " + _UNIT_HINT_VI,
            "Unit code {value} is invalid: a 7-character code starts with 2 letters (e.g. "
            "TZH490L). " + _UNIT_HINT_EN,
        ),
        "UNIT_CODE_ENTERPRISE_NUMBER": Reason(
            "Mã đơn vị {value} không hợp lệ: 10 ký tự đầu của mã 15 ký tự phải là chữ số (mã số "
            "doanh nghiệp hoặc số đăng ký của đơn vị). " + _UNIT_HINT_VI,
            "Unit code {value} is invalid: the first 10 characters of a 15-character code are "
            "digits (the enterprise or registration number). " + _UNIT_HINT_EN,
        ),
        "UNIT_CODE_TARGET_GROUP": Reason(
            "Mã đơn vị {value} có nhóm đối tượng '{group}' không tồn tại: ký tự 11–12 phải là "
            "một trong {groups}. " + _UNIT_HINT_VI,
            "Unit code {value} has an unknown target group '{group}': characters 11-12 must be "
            "one of {groups}. " + _UNIT_HINT_EN,
        ),
        "UNIT_CODE_BUSINESS_TYPE": Reason(
            "Mã đơn vị {value} có mã loại hình '{business_type}' không hợp lệ: 3 ký tự cuối phải "
            "là 1 chữ cái và 2 chữ số (ví dụ A03). " + _UNIT_HINT_VI,
            "Unit code {value} has an invalid business-type code '{business_type}': the last 3 "
            "characters are one letter and two digits (e.g. A03). " + _UNIT_HINT_EN,
        ),
        # Số điện thoại di động (mobile phone)
        "PHONE_EMPTY": Reason(
            "Chưa nhập số điện thoại di động. Nhập số gồm 10 chữ số, ví dụ 0912345678.",
            "The mobile number is empty. Enter a 10-digit number such as 0912345678.",
        ),
        "PHONE_CHARACTERS": Reason(
            "Số điện thoại {value} có {char} ở vị trí {position} không hợp lệ: chỉ dùng "
            "chữ số, dấu + ở đầu, dấu cách, dấu chấm hoặc gạch ngang. Xóa ký tự thừa rồi nhập lại.",
            "Phone number {value} has {char} at position {position}, which is not allowed: use "
            "digits, a leading +, spaces, dots or hyphens only. Remove it and enter it again.",
        ),
        "PHONE_COUNTRY_CODE": Reason(
            "Số điện thoại {value} không phải số Việt Nam: chỉ nhận số di động Việt Nam (mã quốc "
            "gia +84). Nhập số di động Việt Nam, ví dụ 0912345678.",
            "Phone number {value} is not Vietnamese: only Vietnamese mobile numbers (country "
            "code +84) are accepted. Enter one such as 0912345678.",
        ),
        "PHONE_TRUNK_PREFIX": Reason(
            "Số điện thoại {value} thiếu số 0 ở đầu: số di động phải bắt đầu bằng 0 (hoặc +84), "
            "ví dụ 0912345678.",
            "Phone number {value} lacks the leading 0: a mobile number starts with 0 (or +84), "
            "for example 0912345678.",
        ),
        "PHONE_LENGTH": Reason(
            "Số điện thoại {value} có {length} chữ số sau đầu 0 (hoặc +84), nhưng số di động Việt "
            "Nam gồm số 0 và 9 chữ số tiếp theo. Kiểm tra xem có thiếu hay thừa chữ số không.",
            "Phone number {value} has {length} digits after the leading 0 (or +84), but a "
            "Vietnamese mobile number is 0 followed by 9 digits. Check for a missing or extra "
            "digit.",
        ),
        "PHONE_PREFIX": Reason(
            "Số điện thoại {value} có đầu số {prefix} không phải đầu số di động. Các đầu số di "
            "động hợp lệ: {prefixes}. Nhập số di động (không nhập số cố định).",
            "Phone number {value} starts with {prefix}, which is not a mobile prefix. Valid "
            "mobile prefixes: {prefixes}. Enter a mobile (not a landline) number.",
        ),
        # Bảng kê lao động (employee sheet)
        "SHEET_FILE_NOT_FOUND": Reason(
            "Không tìm thấy tệp {file}. Kiểm tra lại đường dẫn và tên tệp.",
            "File {file} was not found. Check the path and file name.",
        ),
        "SHEET_FILE_TYPE": Reason(
            "Tệp {file} không phải bảng tính được hỗ trợ. Lưu bảng dưới dạng Excel (.xlsx) hoặc "
            "CSV UTF-8 (.csv) rồi kiểm tra lại.",
            "File {file} is not a supported spreadsheet. Save it as Excel (.xlsx) or CSV UTF-8 "
            "(.csv) and check again.",
        ),
        "SHEET_FILE_UNREADABLE": Reason(
            "Không đọc được tệp {file} ({reason}). Mở tệp bằng Excel, lưu lại dưới dạng .xlsx "
            "rồi kiểm tra lại.",
            "File {file} cannot be read ({reason}). Open it in Excel, save it again as .xlsx "
            "and check again.",
        ),
        "SHEET_CSV_ENCODING": Reason(
            "Tệp {file} không phải văn bản UTF-8 nên tiếng Việt sẽ bị lỗi phông. Trong Excel chọn "
            "Lưu thành → CSV UTF-8 (.csv) rồi kiểm tra lại.",
            "File {file} is not UTF-8 text, so Vietnamese would be garbled. In Excel choose "
            "Save As → CSV UTF-8 (.csv) and check again.",
        ),
        "SHEET_TOO_MANY_ROWS": Reason(
            "Tệp {file} có hơn {limit} dòng lao động. Tách danh sách thành nhiều tệp, mỗi tệp "
            "tối đa {limit} dòng, rồi kiểm tra lần lượt.",
            "File {file} has more than {limit} employee rows. Split the list into several "
            "files of at most {limit} rows and check them one by one.",
        ),
        "SHEET_NO_HEADER": Reason(
            "Bảng không có dòng tiêu đề: dòng 1 phải ghi tên các cột (Họ và tên, Ngày sinh, "
            "Giới tính, Số CCCD, Mã số BHXH), dữ liệu bắt đầu từ dòng 2.",
            "The sheet has no header row: row 1 must name the columns (Họ và tên, Ngày sinh, "
            "Giới tính, Số CCCD, Mã số BHXH), with data from row 2.",
        ),
        "SHEET_MISSING_COLUMN": Reason(
            "Bảng thiếu cột bắt buộc: {columns}. Thêm cột với đúng tiêu đề ở dòng 1 rồi kiểm tra "
            "lại.",
            "The sheet lacks required columns: {columns}. Add them with these headers in row 1 "
            "and check again.",
        ),
        "SHEET_DUPLICATE_COLUMN": Reason(
            "Cột {column} trùng tiêu đề '{header}' với cột {first_column}. Xóa hoặc đổi tên một "
            "trong hai cột.",
            "Column {column} repeats the header '{header}' of column {first_column}. Remove or "
            "rename one of them.",
        ),
        "SHEET_NAME_EMPTY": Reason(
            "Chưa nhập họ và tên. Ghi đầy đủ họ và tên có dấu như trên thẻ căn cước.",
            "The full name is empty. Write the full name with diacritics as on the ID card.",
        ),
        "SHEET_BIRTH_DATE_EMPTY": Reason(
            "Chưa nhập ngày sinh. Ghi ngày sinh dạng ngày/tháng/năm, ví dụ 31/01/1990.",
            "The birth date is empty. Write it as day/month/year, for example 31/01/1990.",
        ),
        "SHEET_BIRTH_DATE_INVALID": Reason(
            "Ngày sinh '{value}' không đọc được. Ghi ngày sinh có thật dạng ngày/tháng/năm, ví dụ "
            "31/01/1990, hoặc định dạng ô là Ngày (Date).",
            "Birth date '{value}' cannot be read. Write a real date as day/month/year, for "
            "example 31/01/1990, or format the cell as a Date.",
        ),
        "SHEET_BIRTH_DATE_FUTURE": Reason(
            "Ngày sinh {value} là ngày trong tương lai. " + _SHEET_FIX_VI,
            "Birth date {value} is in the future. " + _SHEET_FIX_EN,
        ),
        "SHEET_GENDER_EMPTY": Reason(
            "Chưa nhập giới tính. Ghi Nam hoặc Nữ.",
            "The gender is empty. Write Nam (male) or Nữ (female).",
        ),
        "SHEET_SALARY_FORMAT": Reason(
            "Mức lương '{value}' không phải số tiền hợp lệ: ghi số nguyên đồng, chỉ gồm chữ số "
            "(có thể ngăn cách hàng nghìn bằng dấu chấm), ví dụ 5.000.000.",
            "Salary '{value}' is not a valid amount: write whole dong in digits (thousands may "
            "be separated by dots), for example 5.000.000.",
        ),
        "SHEET_SALARY_NOT_POSITIVE": Reason(
            "Mức lương {value} phải lớn hơn 0. " + _SHEET_FIX_VI,
            "Salary {value} must be greater than 0. " + _SHEET_FIX_EN,
        ),
        "SHEET_LEADING_ZEROS_LOST": Reason(
            "Ô {value} đang ở dạng số nên Excel đã bỏ chữ số 0 ở đầu (số đúng có thể là "
            "{padded}). Định dạng cột là Văn bản (Text), nhập lại đủ chữ số rồi kiểm tra lại.",
            "Cell {value} is stored as a number, so Excel dropped its leading zeros (it was "
            "probably {padded}). Format the column as Text, re-enter every digit and check again.",
        ),
        "SHEET_DUPLICATE_CCCD": Reason(
            "Số CCCD {value} trùng với dòng {first_row}. Mỗi người chỉ khai một dòng; xóa dòng "
            "trùng hoặc sửa lại số CCCD.",
            "Citizen ID {value} repeats row {first_row}. Declare each person once: delete the "
            "duplicate row or correct the number.",
        ),
        "SHEET_DUPLICATE_BHXH": Reason(
            "Mã số BHXH {value} trùng với dòng {first_row}. Mỗi người chỉ khai một dòng; xóa dòng "
            "trùng hoặc sửa lại mã số BHXH.",
            "Social-insurance number {value} repeats row {first_row}. Declare each person once: "
            "delete the duplicate row or correct the number.",
        ),
    }
)
