// Package docs renders what debtors take away: invoice copies and account
// statements, and the QR codes on them (a fresh portal link, and an EPC
// QR code, "GiroCode", that banking apps scan to prefill a transfer).
//
// Renderers take data, never URLs or file names from input: no network
// or file access based on what a debtor or creditor typed.
package docs
