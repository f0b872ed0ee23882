"""The one message system: every finding, note and rejection is an Issue from CATALOG.

Codes are stable and never reused. The prefix names the layer: F file, T template, P project
register, V one value, R rules across cells or months, M consolidation, C collecting from mail and
archives, S sending mail, W the workspace, the month command and the lines the other commands print,
O the machine (storage, permissions, the program itself), N coercion notes.
"""
from __future__ import annotations

import datetime as dt
import math
import string
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

import click


class Severity(str, Enum):
    ERROR = "error"      # the value or file cannot be used; the sender must fix it
    WARNING = "warning"  # accepted, but someone should look
    EXPLAINED = "explained"  # a warning the agency explained in the row's remark
    NOTE = "note"        # how a value was read (a coercion); nothing to fix


@dataclass(frozen=True)
class Entry:
    severity: Severity
    th: str
    en: str


E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE

# Retired codes, out of the catalogue and never to be given to another message:
#   M003 "no report received for {month}": a missing report is the master's MISSING state, never an issue;
#   T009 "the workbook is for project {value}, but {detail}": the reader no longer compares the project
#   code with the file's name or _meta.

CATALOG: dict[str, Entry] = {
    # -- F: the file itself --------------------------------------------------------------
    "F001": Entry(E, "ไม่พบไฟล์หรือเปิดอ่านไม่ได้ ({reason})", "file not found or unreadable ({reason})"),
    "F002": Entry(E, "ไฟล์ว่างเปล่า", "the file is empty"),
    "F003": Entry(E, "ไฟล์ใหญ่เกินกำหนด ({size} ไบต์ เกิน {limit})", "the file is too large ({size} bytes, limit {limit})"),
    "F004": Entry(E, "ไม่ใช่ไฟล์ Excel (.xlsx) แต่เป็น {kind}", "not an Excel workbook (.xlsx) but {kind}"),
    "F005": Entry(E, "ไฟล์ .xls แบบเก่า กรุณาบันทึกเป็น .xlsx", "a legacy .xls workbook: save it as .xlsx"),
    "F006": Entry(E, "ไฟล์ถูกตั้งรหัสผ่าน กรุณาเอารหัสผ่านออกแล้วส่งใหม่", "the workbook is password-encrypted: remove the password and send it again"),
    "F007": Entry(E, "ไฟล์มีแมโคร (VBA) ซึ่งไม่รับ กรุณาบันทึกเป็น .xlsx ไม่มีแมโคร", "the workbook contains macros (VBA), which are not accepted: save it as a macro-free .xlsx"),
    "F008": Entry(E, "ไฟล์เสียหรือไม่สมบูรณ์ ({reason})", "the file is corrupt or truncated ({reason})"),
    "F009": Entry(E, "ไฟล์บีบอัดผิดปกติ อาจเป็นระเบิดซิป ({reason})", "abnormal compression, a possible zip bomb ({reason})"),
    "F010": Entry(E, "ไฟล์มี XML ที่เป็นอันตราย ({reason})", "the file contains hostile XML ({reason})"),
    "F011": Entry(E, "ไฟล์เป็น Strict Open XML กรุณาบันทึกเป็น Excel Workbook (.xlsx) แบบปกติ", "a Strict Open XML workbook: save it as an ordinary Excel Workbook (.xlsx)"),
    "F012": Entry(E, "อ่านไฟล์ไม่เสร็จในเวลาที่กำหนด ({seconds} วินาที)", "reading the file did not finish in time ({seconds} s)"),
    "F013": Entry(E, "ไฟล์ OpenDocument (.ods) กรุณาบันทึกเป็น .xlsx", "an OpenDocument spreadsheet (.ods): save it as .xlsx"),
    "F015": Entry(E, "ไม่ใช่เอกสารพิมพ์จากระบบติดตามโครงการ (ไม่พบหัวรายงาน รหัสโครงการ หรือรายงานครั้งที่)", "not a print-out of the monitoring system (no report title, project code or reports found)"),
    "F014": Entry(E, "ไฟล์ข้อความเข้ารหัสอ่านไม่ได้ (ลอง UTF-8 และ TIS-620 แล้ว)", "a text file in an unknown encoding (tried UTF-8 and TIS-620)"),
    "F016": Entry(E, "ไฟล์เป็น Excel แบบไบนารี (.xlsb) กรุณาบันทึกเป็น .xlsx", "an Excel binary workbook (.xlsb): save it as .xlsx"),
    "F017": Entry(E, "ไฟล์ชั่วคราวที่ Excel สร้างไว้ขณะเปิดแบบฟอร์ม ไม่ใช่ตัวแบบฟอร์ม กรุณาปิด Excel แล้วส่งไฟล์แบบฟอร์มเอง", "a temporary file Excel keeps while the workbook is open: close Excel and send the workbook itself"),
    # -- T: the template -----------------------------------------------------------------
    "T001": Entry(E, "ไม่ใช่แบบฟอร์มของ progress_xl", "not a progress_xl workbook"),
    "T002": Entry(E, "แบบฟอร์มรุ่น {version} ที่ไม่รู้จัก", "unknown template version {version}"),
    "T003": Entry(W, "หาช่อง {field} จาก{route}แทนชื่อที่กำหนด", "found field {field} by its {route}, not its defined name"),
    "T004": Entry(E, "หาช่อง {field} ไม่พบ", "field {field} could not be located"),
    "T005": Entry(W, "มีชีตที่ซ่อนซึ่งไม่ใช่ของแบบฟอร์ม: {sheet}", "a hidden sheet that is not part of the template: {sheet}"),
    "T006": Entry(W, "ช่องกรอกถูกผสานเซลล์ ({range})", "an input cell was merged ({range})"),
    "T008": Entry(W, "สูตรในช่อง {field} ถูกแก้ไขหรือถูกพิมพ์ทับ คำนวณใหม่จากข้อมูลที่กรอก", "the formula of {field} was overwritten or changed; recomputed from the inputs"),
    "T007": Entry(W, "ข้อมูลใน _meta ไม่ตรงกับคุณสมบัติเอกสาร ({detail})", "_meta disagrees with the document properties ({detail})"),
    # -- P: the project register ---------------------------------------------------------
    "P001": Entry(E, "ทะเบียนโครงการไม่มีคอลัมน์ที่จำเป็น: {column} (ชื่อที่ใช้ได้: {accepted}; หัวคอลัมน์ที่พบ: {found}; ใกล้เคียงที่สุด: {closest})", "the project register lacks a required column: {column} (accepted names: {accepted}; headers found: {found}; closest: {closest})"),
    "P002": Entry(E, "แถว {row} คอลัมน์ '{column}': ไม่มีค่า", "row {row}, column '{column}': missing value"),
    "P003": Entry(E, "แถว {row} คอลัมน์ '{column}': ค่า '{value}' ไม่ถูกต้อง ({reason_th})", "row {row}, column '{column}': invalid value '{value}' ({reason_en})"),
    "P004": Entry(E, "แถว {row}: รหัสโครงการ {value} ซ้ำกับแถว {first_row}", "row {row}: project code {value} repeats row {first_row}"),
    "P005": Entry(E, "ทะเบียนโครงการไม่มีโครงการของปีงบประมาณ {fy}", "the project register has no project of fiscal year {fy}"),
    "P006": Entry(W, "แถว {row}: โครงการ {value} ไม่มีอีเมลทั้งของหน่วยงานและของผู้รับผิดชอบ ส่งแบบฟอร์มทางอีเมลไม่ได้", "row {row}: project {value} has no e-mail address (neither the agency's nor the responsible person's): its workbook cannot be e-mailed"),
    "P007": Entry(W, "ทะเบียนโครงการไม่มีคอลัมน์อีเมล ({column}) ส่งแบบฟอร์มทางอีเมลไม่ได้", "the project register has no e-mail column ({column}): no workbook can be e-mailed"),
    "P008": Entry(E, "แถว {row} คอลัมน์ '{column}': ยาว {length} ตัวอักษร เกินที่ช่องของ Excel เก็บได้ ({limit}) ไม่ได้สร้างแบบฟอร์มของแถวนี้", "row {row}, column '{column}': {length} characters, more than an Excel cell holds ({limit}); this row was not generated"),
    "P009": Entry(N, "แถว {row} คอลัมน์ '{column}': {note_th}", "row {row}, column '{column}': {note_en}"),
    # a project across fiscal years: the register's figures, which projects a year has, the turn of the year
    "P010": Entry(W, "แถว {row}: โครงการ {value} งบประมาณปีนี้ {allocation} บาท รวมเงินกันไว้เบิกเหลื่อมปี {carryover} บาท เกินงบประมาณทั้งโครงการ {total} บาท หักที่เบิกจ่ายก่อนปีนี้ {before} บาท", "row {row}: project {value}: this year's allocation ({allocation} baht) plus the carry-over ({carryover} baht) is more than the project's total ({total} baht) less what was disbursed before this year ({before} baht)"),
    "P011": Entry(W, "แถว {row}: โครงการ {value} เริ่มเมื่อ {start} ก่อนปีงบประมาณ {fy} แต่ไม่ได้กรอกความก้าวหน้าสะสมต้นปีและยอดเบิกจ่ายก่อนปีนี้ จึงถือเป็น 0 ทั้งคู่", "row {row}: project {value} began on {start}, before FY {fy}, but gives neither its progress at the start of the year nor the money disbursed before it: both taken as 0"),
    "P012": Entry(N, "โครงการ {value} สิ้นสุดเมื่อ {end} ก่อนปีงบประมาณ {fy} (ไม่มีความก้าวหน้าที่ค้างต่ำกว่า 100 % หรือเงินกันไว้เบิกเหลื่อมปี) ไม่ได้สร้างแบบฟอร์ม", "project {value} ended on {end}, before FY {fy} (no unfinished progress or carried-over funds on record): no workbook"),
    "P013": Entry(N, "โครงการ {value} เริ่มเมื่อ {start} หลังปีงบประมาณ {fy} สิ้นสุด ไม่ได้สร้างแบบฟอร์ม", "project {value} starts on {start}, after FY {fy} ends: no workbook"),
    "P014": Entry(W, "โครงการ {value} สิ้นสุดตามแผนเมื่อ {end} แต่ความก้าวหน้าสะสม {progress} % ({source_th}) จึงสร้างแบบฟอร์มเป็นโครงการล่าช้า", "project {value} was planned to end on {end} but stands at {progress} % ({source_en}): included as delayed"),
    "P015": Entry(N, "โครงการ {value} สิ้นสุดเมื่อ {end} แต่มีเงินกันไว้เบิกเหลื่อมปี {carryover} บาท จึงสร้างแบบฟอร์ม", "project {value} ended on {end} but has {carryover} baht carried over: included"),
    "P016": Entry(N, "แถว {row}: โครงการ {value} เป็นของปีงบประมาณ {other} ไม่ใช่ {fy} ไม่ได้ใช้ (ยกโครงการไปปีถัดไปด้วยคำสั่ง rollover)", "row {row}: project {value} is registered for FY {other}, not {fy}: not used (carry projects into the next year with rollover)"),
    "P017": Entry(N, "ปีงบประมาณ {fy}: สร้างแบบฟอร์ม {included} โครงการ (ล่าช้า {delayed} มีเงินกันไว้เบิกเหลื่อมปี {carried} ต่อเนื่องหลายปี {multi}) ไม่สร้าง {left} โครงการ", "FY {fy}: {included} projects get a workbook ({delayed} delayed, {carried} with carried-over funds, {multi} multi-year), {left} left out"),
    "P018": Entry(N, "โครงการ {value} ยกไปปีงบประมาณ {to} (ต่อเนื่องถึง {end}) ความก้าวหน้าสะสม {progress} % เบิกจ่ายสะสม {before} บาท งบประมาณปี {to} ในร่าง {allocation} บาท (ตรวจกับงบประมาณที่ได้รับจริง) เงินกันไว้เบิกเหลื่อมปี {carryover} บาท (คงไว้เฉพาะที่กันเงินไว้จริง)", "project {value} carried into FY {to} (runs to {end}): progress {progress} %, {before} baht disbursed so far; FY {to} allocation in the draft {allocation} baht (check it against the budget granted); carry-over {carryover} baht (keep only funds actually reserved)"),
    "P019": Entry(W, "โครงการ {value} ยกไปปีงบประมาณ {to} เป็นโครงการล่าช้า (สิ้นสุดตามแผน {end}) ความก้าวหน้าสะสม {progress} % เบิกจ่ายสะสม {before} บาท เงินกันไว้เบิกเหลื่อมปี {carryover} บาท (คงไว้เฉพาะที่กันเงินไว้จริง)", "project {value} carried into FY {to} as delayed (planned end {end}): progress {progress} %, {before} baht disbursed so far; carry-over {carryover} baht (keep only funds actually reserved)"),
    "P020": Entry(W, "โครงการ {value} สิ้นสุดตามแผนเมื่อ {end} แต่ไม่มีรายงานที่รับรองแล้วในปีงบประมาณ {fy} จึงยกไปเป็นโครงการล่าช้า หากเสร็จแล้วให้ลบออกจากร่าง", "project {value} was planned to end on {end} but has no accepted report in FY {fy}: carried as delayed; delete it from the draft if it is finished"),
    "P021": Entry(N, "โครงการ {value} เสร็จแล้ว (ความก้าวหน้าสะสม {progress} %) ปิดโครงการ ไม่ยกไปปีงบประมาณ {to}", "project {value} is finished ({progress} %): closed, not carried into FY {to}"),
    "P022": Entry(N, "โครงการ {value} สิ้นสุดเมื่อ {end} ก่อนปีงบประมาณ {fy} และไม่มีงานค้าง ไม่ยกไปปีงบประมาณ {to}", "project {value} ended on {end}, before FY {fy}, with nothing outstanding: not carried into FY {to}"),
    "P023": Entry(N, "โครงการ {value} เริ่มเมื่อ {start} ยกไปตามที่ลงทะเบียนไว้", "project {value} starts on {start}: carried as registered"),
    "P024": Entry(N, "โครงการ {value} เพิ่มจากทะเบียนใหม่ {source}", "project {value} added from the new register {source}"),
    "P025": Entry(N, "โครงการ {value} มีในทะเบียนใหม่ {source} ด้วย ใช้ค่าที่กรอกไว้ในทะเบียนใหม่ ส่วนที่ไม่ได้กรอกยกมาจากปีงบประมาณ {fy}", "project {value} is also in the new register {source}: the values given there are used, the rest carried from FY {fy}"),
    "P026": Entry(N, "ร่างทะเบียนโครงการปีงบประมาณ {to} ที่ {path}: ยกไป {carried} โครงการ (ล่าช้า {delayed}) ปิด {closed} เพิ่ม {added} รายงานการยกยอดที่ {report} ทะเบียนเดิมไม่ถูกแก้ไข", "drafted the FY {to} register at {path}: {carried} projects carried ({delayed} delayed), {closed} closed, {added} added; what was carried and why: {report}; the register itself is unchanged"),
    "P027": Entry(W, "สมุดบัญชี {path} ไม่มีรายงานที่รับรองแล้วของปีงบประมาณ {fy} สำหรับโครงการใดในทะเบียนนี้เลย ความก้าวหน้าและการเบิกจ่ายจึงยกมาจากทะเบียนเท่านั้น ตรวจว่าใช้สมุดบัญชีถูกเล่ม", "the ledger {path} has no accepted report of FY {fy} for any project of this register: progress and money are carried from the register alone; check that it is the right ledger"),
    # -- V: one value --------------------------------------------------------------------
    "V001": Entry(E, "ต้องกรอก{label_th}", "{label_en} is required"),
    "V002": Entry(E, "{label_th}ต้องเป็นตัวเลข (พบ '{value}')", "{label_en} must be a number (found '{value}')"),
    "V003": Entry(E, "{label_th}ต้องอยู่ระหว่าง {min} ถึง {max} (พบ {value})", "{label_en} must be between {min} and {max} (found {value})"),
    "V004": Entry(E, "{label_th}ต้องเลือกจากรายการ (พบ '{value}')", "{label_en} must be chosen from the list (found '{value}')"),
    "V005": Entry(E, "{label_th}ต้องเป็นวันที่ (พบ '{value}')", "{label_en} must be a date (found '{value}')"),
    "V006": Entry(E, "{label_th}ต้องไม่ติดลบ (พบ {value})", "{label_en} must not be negative (found {value})"),
    "V007": Entry(E, "{label_th}มีสูตรแทนค่า ({value})", "{label_en} holds a formula instead of a value ({value})"),
    "V008": Entry(E, "{label_th}มีค่าผิดพลาด {value}", "{label_en} holds the error value {value}"),
    "V009": Entry(E, "{label_th}ต้องอยู่ในปีงบประมาณ ({min} ถึง {max}) (พบ {value})", "{label_en} must be inside the fiscal year ({min} to {max}) (found {value})"),
    "V010": Entry(E, "{label_th}ไม่ตรงรูปแบบ ต้องเป็นแบบ {example} (พบ '{value}')", "{label_en} is not in its form, such as {example} (found '{value}')"),
    "V011": Entry(E, "{label_th}ยาวเกิน {max} ตัวอักษร", "{label_en} is longer than {max} characters"),
    "V012": Entry(W, "{label_th} {value} อาจหมายถึงร้อยละ {percent} กรุณายืนยัน", "{label_en} {value} may mean {percent} %: please confirm"),
    "V014": Entry(E, "{label_th}มีลิงก์ไปยังไฟล์อื่น ({value})", "{label_en} links to another file ({value})"),
    "V013": Entry(E, "{label_th}กำกวม อ่านไม่ได้อย่างแน่ชัด (พบ '{value}')", "{label_en} is ambiguous and was not guessed (found '{value}')"),
    "V015": Entry(E, "{label_th}ต้องไม่ติดลบ (พบ {value}) ถ้าพิมพ์ {typed}.- ให้พิมพ์ {typed} โดยไม่มี .-", "{label_en} must not be negative (found {value}); if you typed {typed}.- type {typed} without '.-'"),
    # -- R: rules across cells or months ---------------------------------------------------
    "R101": Entry(E, "ความก้าวหน้าสะสมลดลง (พบ {value} หลังจาก {previous})", "cumulative progress fell (found {value} after {previous})"),
    "R102": Entry(E, "เบิกใช้สะสมเกินงบประมาณที่ได้รับ (พบ {value} จาก {budget})", "disbursed to date exceeds the allocated budget (found {value} of {budget})"),
    "R103": Entry(E, "วันที่รายงานไม่อยู่ในเดือนของรายงานนี้ (พบ {value} ควรเป็น {month})", "the report date is not in this report's month (found {value}, expected {month_en})"),
    "R104": Entry(W, "วันที่รายงาน {value} อยู่นอกช่วงรายงานวันที่ {lo}-{hi} ของเดือน", "the report date {value} is outside the reporting window (days {lo}-{hi})"),
    "R105": Entry(E, "วันสิ้นสุดโครงการ {value} อยู่ก่อนวันเริ่ม {start}", "the project ends ({value}) before it starts ({start})"),
    "R106": Entry(E, "รายงานของเดือน {month} ซึ่งยังมาไม่ถึง (วันนี้ {today})", "a report for {month_en}, a month that has not come yet (today is {today})"),
    "R107": Entry(E, "เบิกใช้สะสม {value} บาท น้อยกว่าที่รับรองไปแล้ว {previous} บาท", "disbursed to date ({value} baht) is below what was already accepted ({previous} baht)"),
    "R108": Entry(W, "{label_th}ของเดือน {month} ซึ่งรับรองแล้ว ถูกแก้จาก {previous} เป็น {value}", "{label_en} of {month_en}, already accepted, was changed from {previous} to {value}"),
    "R109": Entry(W, "แจ้ง \"เป็นไปตามแผน\" แต่ความก้าวหน้าคงที่ {value} % มา {months} เดือน (ตั้งแต่ครั้งที่ {since})", "\"on plan\" while progress has stayed at {value} % for {months} months (since report {since})"),
    "R110": Entry(W, "ความก้าวหน้า 100 % แต่ยังไม่เบิกใช้งบประมาณเลย (งบประมาณ {budget} บาท)", "100 % progress with 0 baht disbursed (budget {budget} baht)"),
    "R111": Entry(W, "ความก้าวหน้า 100 % แต่แจ้งว่า {value}", "100 % progress but declared {value}"),
    "R112": Entry(W, "แจ้ง \"เป็นไปตามแผน\" แต่ความก้าวหน้า {value} % ต่ำกว่า{basis_th}มาก (ควรราว {expected} %)", "\"on plan\" while progress {value} % is far behind {basis_en} (about {expected} %)"),
    "R113": Entry(W, "งบประมาณในแบบฟอร์ม {value} บาท ไม่ตรงกับทะเบียนโครงการ {register} บาท", "the budget in the workbook ({value} baht) differs from the register ({register} baht)"),
    "R114": Entry(W, "งบประมาณที่เบิกใช้ในรายงานไม่ตรงกับงบประมาณที่ใช้ไป {header} บาท ตามหัวรายงาน ทั้งแบบยอดของแต่ละครั้ง (รวม {total} บาท) และแบบยอดสะสม (ยอดล่าสุด {last} บาท) จึงเก็บตามที่พิมพ์ไว้เป็นยอดของแต่ละครั้ง", "the money lines match the print-out's header total ({header} baht) neither as per-report amounts (sum {total} baht) nor as running totals (last {last} baht): kept as printed, per report"),
    "R115": Entry(E, "ยอดสะสมงบประมาณที่เบิกใช้ลดลงในรายงานครั้งที่ {k} ({value} บาท หลังจาก {previous} บาท) หาผลต่างไม่ได้ จึงเก็บครั้งนี้เป็น 0 บาท และนับครั้งต่อไปจากยอดสูงสุด {previous} บาท", "the running total of money disbursed fell at report {k} ({value} baht after {previous} baht) and cannot be differenced: report {k} is stored as 0 baht and later reports counted from the highest total, {previous} baht"),
    "R116": Entry(E, "เบิกใช้สะสมในปีนี้ {value} บาท เกินงบประมาณปีนี้ {allocation} บาท รวมเงินกันไว้เบิกเหลื่อมปี {carryover} บาท (รวม {budget} บาท)", "disbursed this year ({value} baht) exceeds this year's allocation ({allocation} baht) plus the carry-over ({carryover} baht), {budget} baht in all"),
    "R117": Entry(E, "เบิกจ่ายสะสมทั้งโครงการ {value} บาท (ก่อนปีนี้ {before} บาท และปีนี้ {year} บาท) เกินงบประมาณทั้งโครงการ {total} บาท", "disbursed over the project's life ({value} baht: {before} before this year and {year} this year) exceeds its total budget ({total} baht)"),
    "R118": Entry(W, "เบิกใช้สะสมในปีนี้ {value} บาท หลังเงินกันไว้เบิกเหลื่อมปีหมดกำหนดเมื่อ {deadline} เกินที่เบิกได้ {cap} บาท (งบประมาณปีนี้ {allocation} บาท และเงินกันที่เบิกทันกำหนด {used} บาท) หากได้ขยายเวลาเบิกจ่าย ให้ระบุในหมายเหตุ", "disbursed this year ({value} baht) after the carried-over funds expired on {deadline} is more than the year can pay ({cap} baht: the allocation {allocation} and the carry-over used by then {used}); if the deadline was extended, say so in the remark"),
    # -- M: consolidation -----------------------------------------------------------------
    "M001": Entry(E, "มีการรวมข้อมูลกำลังทำงานกับสมุดบัญชีนี้อยู่ กรุณารอให้เสร็จก่อน", "another consolidation is running on this ledger: wait for it to finish"),
    "M002": Entry(E, "สมุดบัญชีเป็นรุ่น {version} ใหม่กว่าโปรแกรมนี้ (รุ่น {known})", "the ledger is schema version {version}, newer than this program ({known})"),
    "M004": Entry(N, "ไฟล์เดียวกับ {name} ที่ได้รับแล้ว", "the same file as {name}, already received"),
    "M005": Entry(W, "ถูกแทนที่ด้วยไฟล์ที่ส่งใหม่ {name}", "superseded by the newer file {name}"),
    "M006": Entry(E, "แบบฟอร์มของปีงบประมาณ {value} ไม่ใช่ {fy}", "a workbook for fiscal year {value}, not {fy}"),
    "M007": Entry(E, "โครงการ {value} ไม่มีในทะเบียนโครงการ", "project {value} is not in the register"),
    "M008": Entry(E, "ยังไม่ได้กรอกรายงานของเดือน {month} (ครั้งที่ {k})", "the report for {month_en} (report {k}) is not filled in"),
    "M009": Entry(E, "progress_xl ประมวลผลไฟล์นี้ไม่ได้เพราะข้อผิดพลาดของโปรแกรมเอง ผู้ส่งไม่ต้องทำอะไร จะอ่านใหม่ในรอบถัดไป (รายละเอียดใน {log})", "progress_xl could not process this file because of an error of its own; the sender need not do anything, it is read again on the next run (details in {log})"),
    "M010": Entry(E, "สมุดบัญชี {path} เสียหาย ({reason}) กู้คืนสำเนาล่าสุดที่ยังดีด้วยคำสั่ง: {command}", "the ledger {path} is damaged ({reason}); restore its last good copy with: {command}"),
    "M011": Entry(E, "สมุดบัญชี {path} เสียหาย ({reason}) และไม่มีสำเนาสำรองที่ยังดี", "the ledger {path} is damaged ({reason}) and has no good backup copy"),
    "M012": Entry(E, "ยังมีการรวบรวมไฟล์เข้ากล่อง {path} อยู่ (รอแล้ว {seconds} วินาที) กรุณารันใหม่เมื่อเสร็จ", "files are still being collected into the inbox {path} (waited {seconds} s): run again when that has finished"),
    "M013": Entry(N, "กู้คืนสมุดบัญชี {path} จากสำเนา {backup} แล้ว ฉบับที่เสียเก็บไว้ที่ {aside}", "restored the ledger {path} from the copy {backup}; the damaged one is kept as {aside}"),
    # -- C: collecting workbooks from mail, archives and folders ---------------------------
    "C001": Entry(W, "ข้ามไฟล์แนบที่ไม่ใช่ไฟล์ตาราง ({kind})", "skipped an attachment that is not a spreadsheet ({kind})"),
    "C002": Entry(W, "อีเมลนี้ไม่มีไฟล์ Excel แนบมา", "this message has no workbook attached"),
    "C003": Entry(W, "ไฟล์บีบอัดซ้อนกันเกิน {depth} ชั้น ไม่ได้เปิด", "an archive nested more than {depth} levels deep: not opened"),
    "C004": Entry(W, "ไฟล์ในไฟล์บีบอัดถูกตั้งรหัสผ่าน เปิดไม่ได้", "a password-protected file inside an archive: cannot be opened"),
    "C005": Entry(W, "ไฟล์บีบอัดผิดปกติ ไม่ได้เปิด ({reason})", "an abnormal archive, not opened ({reason})"),
    "C006": Entry(N, "ไฟล์เดียวกับ {name} ที่รับไว้แล้ว", "the same file as {name}, already collected"),
    "C007": Entry(E, "อ่านแหล่งข้อมูลไม่ได้ ({reason})", "the source cannot be read ({reason})"),
    # IMAP intake: the mailbox itself (imap.py); {server} is host:port
    "C008": Entry(E, "ต้องตั้งรหัสผ่าน IMAP ในตัวแปร {env}", "the IMAP password must be set in the environment variable {env}"),
    "C009": Entry(E, "เชื่อมต่อเซิร์ฟเวอร์อีเมล {server} ไม่ได้ ({reason})", "cannot connect to the mail server {server} ({reason})"),
    "C010": Entry(E, "ใบรับรองของเซิร์ฟเวอร์ {server} ไม่ผ่านการตรวจสอบ ({reason}) หากเซิร์ฟเวอร์ใช้ใบรับรองที่ออกเอง ให้ระบุไฟล์ CA ในค่า ca_file", "the certificate of {server} is not trusted ({reason}): if the server uses a certificate of its own, name its CA file in the ca_file setting"),
    "C011": Entry(E, "เชื่อมต่อแบบเข้ารหัส (TLS) กับ {server} ไม่สำเร็จ ({reason})", "the TLS connection to {server} failed ({reason})"),
    "C012": Entry(E, "เซิร์ฟเวอร์ปฏิเสธการเข้าสู่ระบบของ {user} ({reason}) สำหรับ Gmail ให้ใช้รหัสผ่านสำหรับแอป (App Password) ส่วน Microsoft 365 รับเฉพาะ OAuth2 ซึ่งโปรแกรมนี้ยังไม่รองรับ", "the server refused the login for {user} ({reason}): for Gmail use an app password; Microsoft 365 accepts only OAuth2 over IMAP, which this program does not support"),
    "C013": Entry(E, "ไม่พบโฟลเดอร์ {folder} บนเซิร์ฟเวอร์ (มีโฟลเดอร์: {folders})", "the server has no folder {folder} (its folders: {folders})"),
    "C014": Entry(W, "ดึงอีเมล UID {uid} ไม่ได้ ข้ามไปและจะลองใหม่ครั้งหน้า ({reason})", "message UID {uid} could not be fetched: skipped, to be tried again next time ({reason})"),
    "C015": Entry(E, "เซิร์ฟเวอร์ {server} ตัดการเชื่อมต่อหรือตอบผิดรูปแบบ ({reason})", "the server {server} broke off the connection or answered out of protocol ({reason})"),
    "C016": Entry(E, "ไม่ส่งรหัสผ่านแบบไม่เข้ารหัสไปยัง {server} ให้ตั้ง security เป็น ssl หรือ starttls", "the password is not sent unencrypted to {server}: set security to ssl or starttls"),
    "C017": Entry(N, "ดึงอีเมลใหม่ {new} ฉบับจาก {server} โฟลเดอร์ {folder} (ดึงไปแล้วก่อนหน้า {known} ฉบับ ข้าม {skipped} ฉบับ)", "fetched {new} new messages from {server}, folder {folder} ({known} fetched before, {skipped} skipped)"),
    "C018": Entry(E, "มีการรับไฟล์อีกชุดหนึ่งกำลังเขียนลงโฟลเดอร์รับไฟล์นี้อยู่ กรุณารอให้เสร็จก่อน", "another collect is filling this inbox: wait for it to finish"),
    "C019": Entry(W, "ไฟล์ {name} เสียหาย ({reason}) เก็บไว้เป็น {aside} และสร้างใหม่จากส่วนที่อ่านได้ ({kept} รายการ ไฟล์ {rebuilt} ไฟล์เหลือเพียงชื่อและค่า sha256) หากต้องการผู้ส่งและเวลาคืน ให้รับอีเมลของเดือนนั้นใหม่อีกครั้ง", "{name} was damaged ({reason}): kept aside as {aside} and rebuilt from what could be read ({kept} entries kept, {rebuilt} files known by name and sha256 only); collect the month's mail again to restore their sender and time"),
    "C020": Entry(W, "เปิดอีเมล Outlook (.msg) ไม่ได้ ({reason}) กรุณาส่งต่ออีเมลนั้นมาใหม่ หรือบันทึกไฟล์แนบแล้วส่งมา", "an Outlook message (.msg) that cannot be read ({reason}): forward the mail itself, or save its attachments and send them"),
    "C021": Entry(W, "ไฟล์บีบอัดที่ไม่มีไฟล์อยู่ข้างใน", "an archive with no file in it"),
    "C022": Entry(W, "ไฟล์หายไประหว่างการรับ (ถูกย้ายหรือลบ) หากยังต้องการ ให้รับใหม่อีกครั้ง", "the file disappeared while it was being collected (moved or deleted): collect it again if it is needed"),
    "C023": Entry(W, "โฟลเดอร์ว่าง ไม่มีไฟล์อยู่ข้างใน", "an empty folder, no file in it"),
    # -- S: sending mail ------------------------------------------------------------------
    "S001": Entry(E, "ส่งอีเมลไม่สำเร็จ ({reason})", "the message could not be sent ({reason})"),
    "S002": Entry(W, "ไม่มีอีเมลของหน่วยงาน {agency} ในทะเบียนโครงการ", "no e-mail address for agency {agency} in the register"),
    "S003": Entry(E, "ต้องตั้งรหัสผ่าน SMTP ในตัวแปร {env}", "the SMTP password must be set in the environment variable {env}"),
    "S004": Entry(E, "{address} ยังไม่ได้รับข้อความนี้ เซิร์ฟเวอร์ปฏิเสธชั่วคราว ({reply}) จะส่งให้ที่อยู่นี้อีกครั้งเมื่อสั่ง --send ครั้งต่อไป", "{address} did not get this message: the server refused it for now ({reply}); the next --send tries this address again"),
    "S005": Entry(E, "{address} ไม่ได้รับข้อความนี้ เซิร์ฟเวอร์ปฏิเสธถาวร ({reply}) กรุณาตรวจที่อยู่ในทะเบียนโครงการ (--send ครั้งต่อไปจะลองอีกครั้ง)", "{address} did not get this message: the server refused it permanently ({reply}); check the address in the register (the next --send tries it again)"),
    "S006": Entry(E, "เซิร์ฟเวอร์อีเมลไม่รับการเชื่อมต่อ ตรวจชื่อเครื่องและพอร์ต (--smtp-host, --smtp-port)", "the mail server refused the connection: check the host and port (--smtp-host, --smtp-port)"),
    "S007": Entry(E, "เซิร์ฟเวอร์อีเมลไม่ตอบภายใน {seconds} วินาที", "the mail server did not answer within {seconds} s"),
    "S008": Entry(E, "เซิร์ฟเวอร์อีเมลไม่รองรับการเข้ารหัส STARTTLS (ใช้ --ssl หรือ --no-starttls)", "the mail server does not offer STARTTLS (use --ssl, or --no-starttls)"),
    "S009": Entry(E, "เชื่อมต่อแบบเข้ารหัส (TLS) กับเซิร์ฟเวอร์อีเมลไม่สำเร็จ ({reason})", "the TLS connection to the mail server failed ({reason})"),
    "S010": Entry(E, "เซิร์ฟเวอร์อีเมลไม่รับชื่อผู้ใช้ {user} หรือรหัสผ่าน ({reply})", "the mail server refused the login of {user} ({reply})"),
    "S011": Entry(E, "ไม่พบเซิร์ฟเวอร์อีเมลชื่อ {host}", "no mail server named {host} was found"),
    "S012": Entry(E, "เซิร์ฟเวอร์อีเมลตัดการเชื่อมต่อ ข้อความที่เหลือยังไม่ได้ส่ง", "the mail server closed the connection; the remaining messages were not sent"),
    "S013": Entry(E, "เซิร์ฟเวอร์อีเมลตอบปฏิเสธ ({reply})", "the mail server refused ({reply})"),
    "S014": Entry(E, "เซิร์ฟเวอร์อีเมลไม่รองรับการเข้าสู่ระบบ (AUTH) ไม่ต้องระบุ --smtp-user หรือใช้ --starttls", "the mail server offers no login (AUTH): leave out --smtp-user, or use --starttls"),
    "S015": Entry(E, "ติดต่อเซิร์ฟเวอร์อีเมลไม่ได้ ({reason})", "could not talk to the mail server ({reason})"),
    "S016": Entry(E, "ที่อยู่ผู้ส่ง '{address}' เป็นที่อยู่สมมติ ใช้ส่งจริงไม่ได้ กรุณาตั้งด้วย --from หรือตัวแปร PROGRESS_XL_FROM", "the sender address '{address}' is a placeholder and cannot send: set --from or PROGRESS_XL_FROM"),
    "S017": Entry(W, "ข้อความใช้ที่อยู่ผู้ส่งสมมติ '{address}' ก่อนส่งจริงให้ตั้ง --from หรือตัวแปร PROGRESS_XL_FROM", "the messages carry the placeholder sender '{address}': set --from or PROGRESS_XL_FROM before --send"),
    "S018": Entry(N, "เขียน {count} ข้อความ ยังไม่ได้ส่ง (ใช้ --send เพื่อส่ง) ที่ {out}", "wrote {count} messages, nothing sent (dry run; --send delivers them) to {out}"),
    "S019": Entry(N, "ส่งครบ {sent} ข้อความ ส่งได้บางผู้รับ {partly} ส่งไม่ได้ {unsent} ส่งไปแล้วก่อนหน้า {earlier} จากทั้งหมด {count} ข้อความ ผ่าน {server}", "sent {sent} of {count} messages to every recipient, {partly} partly sent, {unsent} not sent, {earlier} sent before, via {server}"),
    # -- W: the workspace (progress_xl.toml, its folders) and the month command ------------------
    "W001": Entry(E, "อ่านไฟล์ตั้งค่าไม่ได้ บรรทัด {line}: {reason}", "the settings file cannot be read, line {line}: {reason}"),
    "W002": Entry(E, "บรรทัด {line}: ไม่รู้จักค่า {key} (ค่าที่ใช้ได้: {known})", "line {line}: unknown setting {key} (known: {known})"),
    "W003": Entry(E, "บรรทัด {line}: ค่า {key} ต้องเป็น{type_th} (พบ {value})", "line {line}: {key} must be {type_en} (found {value})"),
    "W004": Entry(E, "ต้องระบุค่า {key}", "the setting {key} is required"),
    "W005": Entry(E, "บรรทัด {line}: ไม่พบทะเบียนโครงการ {path} (ค่า {key})", "line {line}: the project register {path} was not found (setting {key})"),
    "W006": Entry(E, "ไม่พบพื้นที่ทำงาน (ไฟล์ progress_xl.toml) ในโฟลเดอร์นี้หรือโฟลเดอร์ที่อยู่เหนือขึ้นไป สร้างด้วย progress-xl init DIR หรือระบุ --workspace DIR", "no workspace here (no progress_xl.toml in this folder or above): make one with progress-xl init DIR, or give --workspace DIR"),
    "W007": Entry(E, "มีไฟล์ตั้งค่าอยู่แล้ว ไม่เขียนทับ (แก้ไขไฟล์นั้นได้โดยตรง)", "a settings file is already there: not overwritten (edit it instead)"),
    "W008": Entry(E, "เดือน {month} ยังไม่เริ่ม (วันนี้ {today})", "{month_en} has not begun (today is {today_en})"),
    "W009": Entry(E, "อ่านเดือน '{value}' ไม่ได้ เขียนได้เช่น มี.ค. 2564, 03/2564 หรือ 2564-03", "'{value}' is not a month: write it as 03/2564 or 2564-03, or with the Thai month's name as in the Thai text"),
    "W010": Entry(E, "บรรทัด {line}: ค่า {key} ต้องเป็น {allowed} (พบ {value})", "line {line}: {key} must be {allowed} (found {value})"),
    "W011": Entry(E, "ไม่ได้ตั้งค่ากล่องอีเมลขาเข้า ให้กรอก host ในหมวด [imap]", "no mailbox is set up: fill in host under [imap]"),
    "W012": Entry(E, "ไม่ได้ตั้งค่าเซิร์ฟเวอร์ส่งอีเมล ให้กรอก host ในหมวด [smtp] ก่อนใช้ --send", "no mail server to send through: fill in host under [smtp] before --send"),
    "W013": Entry(E, "ที่อยู่ผู้ส่ง '{address}' เป็นที่อยู่สมมติ ใช้ส่งจริงไม่ได้ ให้กรอก address ในหมวด [sender]", "the sender address '{address}' is a placeholder and cannot send: fill in address under [sender]"),
    "W014": Entry(W, "จดหมายใช้ที่อยู่ผู้ส่งสมมติ '{address}' ก่อนส่งจริงให้กรอก address ในหมวด [sender]", "the letters carry the placeholder sender '{address}': fill in address under [sender] before --send"),
    "W015": Entry(N, "สร้างพื้นที่ทำงานแล้ว ไฟล์ตั้งค่าคือ {settings} ขั้นต่อไป: ตรวจแก้ไฟล์ตั้งค่า แล้วสั่ง progress-xl month ในโฟลเดอร์นั้น", "workspace made, its settings are {settings}; next: check the settings, then run progress-xl month in that folder"),
    "W016": Entry(N, "ไฟล์นี้เป็นรายงานของเดือน {later} จึงเก็บไว้รวมในเดือนนั้น", "this file reports {later_en}: kept for that month"),
    "W017": Entry(N, "เดือน {month} (รายงานครั้งที่ {k} ปีงบประมาณ {fy}) พื้นที่ทำงาน {path}", "{month_en} (report {k} of FY {fy}), workspace {path}"),
    "W018": Entry(N, "สรุปรายงาน: {path}", "master workbook: {path}"),
    "W019": Entry(N, "จดหมาย {count} ฉบับ (ส่งคืนให้แก้ไข {returned} ทวงถาม {reminder} ตอบรับ {receipt}) ที่ {out}", "{count} letters ({returned} returned, {reminder} reminders, {receipt} receipts) in {out}"),
    "W020": Entry(N, "ต้องติดตาม: รอหน่วยงานแก้ไข {issues} โครงการ ยังไม่ส่ง {missing} โครงการ ไฟล์ที่ไม่รับ {rejected} ไฟล์", "to follow up: {issues} projects to be fixed by their agency, {missing} not reported, {rejected} files refused"),
    "W021": Entry(N, "รับไฟล์ใหม่ {new} ไฟล์ (ซ้ำ {duplicates} ข้าม {skipped} เป็นของเดือนอื่น {held}) เข้า {inbox}", "{new} new files ({duplicates} duplicates, {skipped} skipped, {held} for other months) into {inbox}"),
    "W022": Entry(N, "ปีงบประมาณในไฟล์ตั้งค่าเปลี่ยนจาก {old} เป็น {fy}", "the settings' fiscal year moved from {old} to {fy}"),
    "W023": Entry(E, "ระบุเดือน หรือ --report อย่างใดอย่างหนึ่ง ไม่ใช่ทั้งสองอย่าง", "give MONTH or --report, not both"),
    "W024": Entry(E, "ไม่มีไฟล์ตั้งค่า progress_xl.toml ในพื้นที่ทำงาน {path} สร้างด้วย progress-xl init {path}", "the workspace {path} has no progress_xl.toml: make one with progress-xl init {path}"),
    "W025": Entry(E, "มีการดึงอีเมลจากกล่องนี้อยู่แล้ว กรุณารอให้เสร็จก่อน", "another fetch is reading this mailbox: wait for it to finish"),
    # what the other commands print when they are done (one line each, Thai / English; counts as ints, money as
    # Decimal, seconds rounded to tenths, a rate as a whole percent)
    "W026": Entry(N, "สร้าง {count} ไฟล์ ใน {agencies} หน่วยงาน ที่ {out} ({seconds} วินาที)", "wrote {count} workbooks for {agencies} agencies to {out} ({seconds} s)"),
    "W027": Entry(W, "ข้ามแถวที่มีปัญหา {rows} แถว", "skipped {rows} bad register row(s)"),
    "W028": Entry(N, "ตรวจ {count} ไฟล์: รับ {accepted} มีปัญหา {has_issues} ไม่รับ {rejected}", "checked {count} files: {accepted} accepted, {has_issues} with issues, {rejected} rejected"),
    "W029": Entry(N, "ข้อผิดพลาด {errors} คำเตือน {warnings} ชี้แจงแล้ว {explained}", "{errors} errors, {warnings} warnings, {explained} explained"),
    "W030": Entry(N, "ได้รับรายงาน {received}/{expected} โครงการ ({rate}%) รับแล้ว {accepted} มีปัญหา {has_issues} ยังไม่ส่ง {missing} ส่งช้า {late}", "reported {received} of {expected} ({rate}%): {accepted} accepted, {has_issues} with issues, {missing} missing, {late} late"),
    "W031": Entry(N, "ไฟล์ที่ได้รับ {inputs} = รับ {accepted} + มีปัญหา {has_issues} + ถูกแทนที่ {superseded} + ไม่รับ {rejected} + ซ้ำ {duplicates}", "files received {inputs} = {accepted} accepted + {has_issues} with issues + {superseded} superseded + {rejected} rejected + {duplicates} duplicates"),
    "W032": Entry(N, "ไฟล์ที่ได้รับ {inputs} = รับ {accepted} + มีปัญหา {has_issues} + ถูกแทนที่ {superseded} + ไม่รับ {rejected} + ซ้ำ {duplicates} + ยังไม่ได้ประมวลผล {transient} (อ่านใหม่รอบหน้า)", "files received {inputs} = {accepted} accepted + {has_issues} with issues + {superseded} superseded + {rejected} rejected + {duplicates} duplicates + {transient} not processed (read again next run)"),
    "W033": Entry(N, "เบิกจ่าย {disbursed} จาก {allocated} บาท ล่าช้ากว่าแผน {behind} โครงการ แจ้งตามแผนแต่ตัวเลขไม่สอดคล้อง {claims} โครงการ", "disbursed {disbursed} of {allocated} baht; {behind} behind plan; {claims} say 'on plan' against their numbers"),
    "W034": Entry(N, "ตารางโครงการ: {path}", "projects CSV: {path}"),
    "W035": Entry(N, "รับไฟล์ใหม่ {new} ซ้ำ {duplicates} ข้าม {skipped}", "{new} new files, {duplicates} duplicates, {skipped} skipped"),
    "W036": Entry(N, "ปีงบ {fy} แบบฟอร์ม v{version}", "FY {fy}, template v{version}"),
    "W037": Entry(N, "ปีงบ {fy} รายงาน {reports} ครั้ง ถึงครั้งที่ {last}", "FY {fy}: {reports} reports up to report {last}"),
    "W038": Entry(N, "สร้างแบบฟอร์ม {workbooks} ไฟล์ ส่งให้ {agencies} หน่วยงาน ({seconds} วินาที)", "{workbooks} workbooks, kickoff letters for {agencies} agencies ({seconds} s)"),
    "W039": Entry(N, "อีเมล {mails} ฉบับ → ไฟล์ใหม่ {new} · รับ {accepted} มีปัญหา {has_issues} ถูกแทนที่ {superseded} ไม่รับ {rejected} · ยังไม่ส่ง {missing} · จดหมาย {letters} ฉบับ ({seconds} วินาที)", "{mails} messages → {new} new files: {accepted} accepted, {has_issues} with issues, {superseded} superseded, {rejected} rejected; {missing} missing; {letters} letters ({seconds} s)"),
    "W040": Entry(N, "สถานะเดือนสุดท้าย", "the last month's status"),
    "W041": Entry(N, "สมุดบัญชี: {ledger} ใช้เวลาทั้งหมด {seconds} วินาที", "ledger: {ledger}, {seconds} s in all"),
    "W047": Entry(N, "ไฟล์แนบ {attachments} ไฟล์ {size} KiB", "{attachments} attachments, {size} KiB"),
    # what a command needs that it was not given (click's usage errors, exit 2)
    "W042": Entry(E, "ระบุ REGISTER หรือใช้ในพื้นที่ทำงาน", "give REGISTER, or run it inside a workspace"),
    "W043": Entry(E, "'{value}' ไม่ใช่วันที่ (เช่น 2021-03-31 หรือ 31/03/2564)", "'{value}' is not a date (e.g. 2021-03-31 or 31/03/2564)"),
    "W044": Entry(E, "--register ต้องระบุ --fy ด้วย", "--register needs --fy"),
    "W045": Entry(E, "ระบุ --workbooks หรือ --month กับ --run", "give --workbooks, or --month with --run"),
    "W046": Entry(E, "--month ต้องระบุ --run ด้วย", "--month needs --run"),
    # -- O: the machine: storage, permissions, the program itself -------------------------------
    "O001": Entry(E, "พื้นที่ดิสก์เต็ม เขียน {path} ไม่ได้ กรุณาเพิ่มพื้นที่ว่างแล้วรันใหม่ (ไม่มีข้อมูลสูญหาย)", "the disk is full: {path} could not be written; free some space and run again (nothing was lost)"),
    "O002": Entry(E, "ไม่มีสิทธิ์{action_th} {path} กรุณาตรวจสิทธิ์ของไฟล์หรือโฟลเดอร์ หรือเลือกที่อื่น", "no permission to {action_en} {path}: check the file's or folder's permissions, or choose another place"),
    "O003": Entry(E, "{path} เป็นไฟล์ แต่ต้องเป็นโฟลเดอร์ กรุณาย้ายไฟล์นั้นหรือเลือกที่อื่น", "{path} is a file where a folder is needed: move it or choose another place"),
    "O004": Entry(E, "{path} เป็นโฟลเดอร์ แต่ต้องเป็นไฟล์ กรุณาย้ายโฟลเดอร์นั้นหรือเลือกชื่ออื่น", "{path} is a folder where a file is needed: move it or choose another name"),
    "O005": Entry(E, "ไม่พบ {path}", "{path} was not found"),
    "O006": Entry(E, "ใช้ {path} ไม่ได้ ({reason})", "{path} could not be used ({reason})"),
    "O007": Entry(E, "progress_xl หยุดทำงานเพราะข้อผิดพลาดของโปรแกรมเอง ไม่มีข้อมูลสูญหาย กรุณาแจ้งผู้ดูแลพร้อมไฟล์ {log}", "progress_xl stopped because of an error of its own; nothing was lost; please report it with the file {log}"),
    "O008": Entry(E, "{path} เป็นระบบไฟล์แบบอ่านอย่างเดียว เขียนไม่ได้ กรุณาเลือกที่อื่น", "{path} is on a read-only file system: choose another place"),
    "O009": Entry(N, "{path}: {pages} หน้า คำพิมพ์ทับกัน {overlaps} คู่ ช่อง ### {hashes} ช่อง", "{path}: {pages} pages, {overlaps} overlapping word pairs, {hashes} ### cells"),
    "O010": Entry(E, "แปลง {path} เป็น PDF หรือภาพไม่ได้ ({reason}) ต้องมี LibreOffice และ poppler-utils (make libreoffice)", "{path} could not be rendered to PDF or pictures ({reason}): LibreOffice and poppler-utils are needed (make libreoffice)"),
    # -- N: notes on how a value was read ------------------------------------------------
    "N001": Entry(N, "อ่าน '{raw}' เป็น {value_th}", "read '{raw}' as {value_en}"),
    "N002": Entry(N, "ปี {year} เป็นปี พ.ศ. ที่พิมพ์ลงช่องวันที่ อ่านเป็น {value_th}", "year {year} is a BE year typed into a date cell, read as {value_en}"),
    "N003": Entry(N, "ค่า {raw} ในช่องรูปแบบร้อยละ อ่านเป็น {value}", "{raw} in a percent-formatted cell read as {value}"),
    "N004": Entry(N, "อ่านงบประมาณที่เบิกใช้เป็นยอดของแต่ละครั้ง: รวมได้ {total} บาท เท่ากับงบประมาณที่ใช้ไป {header} บาท ตามหัวรายงาน", "the money lines read as per-report amounts: they add up to {total} baht, the print-out's header total (budget used {header} baht)"),
    "N005": Entry(N, "อ่านงบประมาณที่เบิกใช้เป็นยอดสะสม: ยอดครั้งที่ {k} {last} บาท เท่ากับงบประมาณที่ใช้ไป {header} บาท ตามหัวรายงาน (ยอดของแต่ละครั้งรวมกันได้ {total} บาท) จึงเก็บเป็นยอดของแต่ละครั้ง คือผลต่างจากครั้งก่อน", "the money lines read as running totals: report {k}'s {last} baht equals the print-out's header total ({header} baht; added up they make {total} baht), so each is stored as the report's own amount, the difference from the report before"),
    "N006": Entry(N, "ยอดของแต่ละครั้งรวมกันและยอดครั้งสุดท้ายต่างเท่ากับงบประมาณที่ใช้ไป {header} บาท ตามหัวรายงาน อ่านเป็นยอดของแต่ละครั้ง (ทั้งสองแบบได้ค่าเดียวกัน)", "the money lines give the print-out's header total ({header} baht) both added up and as the last running total: read as per-report amounts (the two readings agree)"),
    "N007": Entry(N, "หัวรายงานไม่มีงบประมาณที่ใช้ไป อ่านงบประมาณที่เบิกใช้เป็นยอดของแต่ละครั้ง (รวม {total} บาท)", "the print-out has no header total (budget used): the money lines read as per-report amounts (sum {total} baht)"),
    "N008": Entry(N, "หัวรายงานไม่มีงบประมาณที่ใช้ไป อ่านงบประมาณที่เบิกใช้เป็นยอดสะสม เพราะยอดไม่เคยลดลง และเมื่อรวมกันได้ {total} บาท เกินงบประมาณที่ได้รับ {budget} บาท ขณะที่ยอดล่าสุด {last} บาท ไม่เกิน จึงเก็บเป็นผลต่างจากครั้งก่อน", "the print-out has no header total (budget used): the money lines read as running totals, since they never fall and added up ({total} baht) they exceed the budget ({budget} baht) while the last ({last} baht) does not; each stored as the difference from the report before"),
    "N009": Entry(N, "ตัดเครื่องหมาย ' ที่พิมพ์นำหน้าออก อ่านเป็น '{text}'", "dropped the leading apostrophe, read as '{text}'"),
    "N010": Entry(N, "เบอร์โทร {raw} ขาดเลข 0 นำหน้า (Excel ตัดออกเมื่อเก็บเป็นตัวเลข) อ่านเป็น {text}", "phone {raw} had lost its leading 0 (Excel drops it from a number), read as {text}"),
    "N011": Entry(N, "'{raw}' ไม่ใช่เบอร์โทรศัพท์ไทยที่รู้จัก (เช่น 02-123-4567 หรือ 081-234-5678) เก็บไว้ตามที่พิมพ์", "'{raw}' could not be recognised as a Thai phone number (such as 02-123-4567 or 081-234-5678): kept as typed"),
    "N012": Entry(N, "อ่าน '{raw}' เป็น {value_th} (ล้าน = 1,000,000)", "read '{raw}' as {value_en} (in millions)"),
    "N013": Entry(N, "ลบอักขระควบคุมที่มองไม่เห็นซึ่ง Excel เก็บไม่ได้ {count} ตัว", "removed {count} invisible control character(s) that Excel cannot hold"),
    "N014": Entry(N, "ข้อความยาว {length} ตัวอักษร เกินที่ช่องของ Excel เก็บได้ ตัดเหลือ {limit} ตัวอักษร ลงท้ายด้วย …", "a text of {length} characters is more than an Excel cell holds: cut to {limit}, ending with …"),
    "N015": Entry(N, "ปี '{typed}' ที่พิมพ์สองหลัก อ่านเป็นปี พ.ศ. {year_th} ตามปีของเดือนที่รายงาน: '{raw}' คือ {value_th}", "the two-digit year '{typed}' read as {year_en}, the year of the report's month: '{raw}' is {value_en}"),
    "N016": Entry(N, "วันที่ปี ค.ศ. {year} เกิดจากปี พ.ศ. สองหลัก '{typed}' ที่พิมพ์ลงช่องวันที่ อ่านเป็น {value_th}", "the year {year} came from a two-digit BE year '{typed}' typed into a date cell, read as {value_en}"),
}


class _Lenient(string.Formatter):
    """Leaves an unknown placeholder visible rather than raising (pyxform's formatter)."""

    def get_value(self, key, args, kwargs):
        return kwargs.get(key, "{" + str(key) + "}") if isinstance(key, str) else super().get_value(key, args, kwargs)


_FMT = _Lenient()


@dataclass(frozen=True)
class Issue:
    code: str
    severity: Severity
    file: str
    sheet: str | None
    cell: str | None
    value: str | None
    th: str
    en: str
    context: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.cell or self.sheet or ""

    def __str__(self) -> str:
        where = f" {self.where}" if self.where else ""
        return f"{self.file}:{where} [{self.code}] {self.th} / {self.en}"

    def as_dict(self) -> dict:
        """For JSON reports: every field as text."""
        return {"code": self.code, "severity": self.severity.value, "file": self.file, "sheet": self.sheet,
                "cell": self.cell, "value": self.value, "th": self.th, "en": self.en}

    def with_severity(self, severity: Severity) -> "Issue":
        return Issue(self.code, severity, self.file, self.sheet, self.cell, self.value,
                     self.th, self.en, self.context)


def shown(value) -> str:
    """A value as people write it in a message: `2,500,000`, `12.5`, `10` (never `2.5E+6` or
    `10.00`); whole numbers that are not amounts (years, rows, counts) are ints and stay bare."""
    if isinstance(value, float) and math.isfinite(value):
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and value.is_finite():
        if value == value.to_integral_value():
            return f"{int(value):,}"
        return f"{value.normalize():,f}"
    if isinstance(value, dt.date):          # as a Thai person writes a date: day/month/BE year
        year = value.year if value.year > 2400 else value.year + 543
        return f"{value.day}/{value.month:02d}/{year}"
    return str(value)


def render(code: str, **context) -> tuple[str, str]:
    entry = CATALOG[code]
    context = {k: v if isinstance(v, str) else shown(v) for k, v in context.items()}
    return _FMT.format(entry.th, **context), _FMT.format(entry.en, **context)


def issue(code: str, *, file: str = "", sheet: str | None = None, at: str | None = None,
          value=None, severity: Severity | None = None, **context) -> Issue:
    """The one way to create an Issue: position, value and the catalogue's text."""
    entry = CATALOG[code]
    text = None if value is None else shown(value)
    context.setdefault("value", text)
    context.setdefault("sheet", sheet)          # a message may name the sheet it is about (T005)
    th, en = render(code, **context)
    return Issue(code, severity or entry.severity, file, sheet, at, text, th, en, context)


class ProgressXLError(click.ClickException):
    """This run cannot continue: carries the issues that say why. Raised anywhere; the CLI (click)
    prints one Thai/English line per issue on stderr and exits 1 — the one boundary."""

    exit_code = 1

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))

    def show(self, file=None) -> None:
        for line in self.issues:
            click.echo(str(line), err=True, file=file)
