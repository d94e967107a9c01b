// Package csvimport reads a creditor's invoices from a CSV file, as
// spreadsheets and accounting programs write it, into the billing inputs
// the API takes (billing.DebtorInput, billing.InvoiceInput), and checks
// every row with the same validation as the API. It does no I/O beyond
// reading the file; billing.Service.Import applies the rows.
//
// The file: one row per invoice, the debtor's fields repeated on every
// row of that debtor; a header row names the columns, in any order
// (case, spaces and dashes do not matter, and the German names in
// parentheses are accepted too):
//
//	customer_number (kundennummer)     required
//	name                               required
//	kind (art)                         consumer or business
//	email (e_mail)
//	phone (telefon)                    e.g. 0151 1234567 (+49 is added)
//	street (strasse, straße), postcode (plz), city (ort), country (land)
//	birth_date (geburtsdatum)
//	language (sprache)                 de or en
//	preferred_channel (kanal)          email, sms or letter
//	segment
//	invoice_number (rechnungsnummer)   required
//	issue_date (rechnungsdatum)        required
//	due_date (faellig_am, fällig_am)   required
//	amount (betrag)                    required: the gross total
//	tax_amount (steuer)                the tax in it (default 0)
//	currency (waehrung, währung)       default: the creditor's currency
//	description (beschreibung)
//
// Dates are 2026-11-23, 23.11.2026 or 23.11.26. Amounts are decimals
// with at most two places, the decimal separator , or . and optional
// thousands separators: 1234.56, 1.234,56, 1,234.56 and 1234,56 are all
// the same amount; the row's currency may stand before or after it, as
// Excel writes a cell formatted as currency (1.234,56 €, EUR 12.50).
//
// The file may be UTF-8 (with or without a byte order mark) or, as
// older Excel versions save "CSV (Trennzeichen-getrennt)", Windows-1252;
// fields are separated by , or ; (or tabs), whichever the header uses
// (or an Excel "sep=;" first line says, which is then not a row);
// fields may be quoted ("Muster, Erika"), lines end in LF or CRLF.
// Empty rows (also ;;;;) are skipped. Unknown columns are an error, so
// a typo in a header does not silently drop data.
//
// Limits: MaxBytes (10 MB) and MaxRows (50,000 invoices) per file.
//
// Every problem is a billing.RowError naming the row (the line the row
// starts on: the header is row 1, the first invoice row 2, as a
// spreadsheet numbers them unless a quoted field holds a line break) and
// the
// column (as the header names it; empty for the row as a whole), with a
// translation key: the API's error.api.* keys where the API has the same
// rule, error.csvimport.* otherwise. Parse reports all problems at once;
// a file with any problem is not imported at all.
//
// For an existing debtor an empty cell clears the field (like the API's
// PUT), but a column the file does not have at all keeps what is stored,
// and language and preferred channel keep what the debtor chose in the
// portal unless the file says otherwise. An invoice the file describes
// as it is stored is left alone, so importing the same file twice
// changes nothing.
package csvimport
