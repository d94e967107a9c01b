// Package demo seeds the demo data set: two fictional creditors with
// their customers, invoices and payments, so that the portal can be tried
// without any setup. `settle serve` calls Seed at start when demo mode is
// on (the default with the embedded database); it does nothing if the
// data is already there.
//
// All people, companies, addresses, phone numbers and register entries
// are invented. Email addresses use example.de and example.com only.
//
// # Dates
//
// Seed takes the day it runs as "today" and places every date relative to
// it, so statuses are realistic whenever it runs. Monthly bills are issued
// on a fixed day of month between the 1st and the 5th (each customer has
// one) and are due 14 days later; the bills before the latest one are
// always past due, while the latest one is open or overdue depending on
// the day of month. One-off invoices (a roaming bill, an accessories
// order, a smartphone purchase, a new customer's first bill) are issued a
// few days before today, so they are not yet due on any day. The data is
// the same every time it is seeded on the same day, and it ages
// naturally afterwards: a bill not yet due today is overdue in three
// weeks.
//
// Amounts are in cents, net per line with 19 % VAT computed per line
// (ar.LineAmounts); an invoice's totals are the sums of its lines. Paid
// bills were paid in full a few days before their due date ("SEPA-
// Lastschrift" or "Überweisung"); partial payments are booked as
// "Überweisung (Teilzahlung)". Invoice numbers run per creditor and year
// in order of issue date: 2026-001187, 2026-001188, … for Nordwind Mobil
// and LE-2026-00012, … for Lumen Energie.
//
// # Nordwind Mobil (slug "demo")
//
// A mobile operator in Hamburg: Nordwind Mobil GmbH, Am Sandtorkai 50,
// 20457 Hamburg, support +49 40 1234 5670 and
// service@nordwind-mobil.example (Mo–Fr 8–20 Uhr). Deep teal #00626f with
// an amber accent #e07a1f and an SVG wordmark logo. German by default,
// Europe/Berlin, EUR, links valid 30 days. Step-up: the postcode on file.
//
// Monthly bills are "Mobilfunk Tarif Nordwind M · Oktober 2026" with a
// base fee (Tarif S 14,98 €, M 29,99 €, L 39,89 €, Business Pro
// 34,99 € per SIM card), optionally a data add-on, a smartphone
// instalment ("Ratenzahlung Smartphone (Rate 7 von 24)", 19,90 €) and
// usage (calls abroad, SMS or service numbers). Twenty customers:
//
//	10001  Jana Schulz, Chausseestraße 38, 10115 Berlin (de)
//	       THE demo customer: 6 monthly bills (3 paid, 2 overdue, the
//	       latest open or overdue), an accessories order partly paid and a
//	       roaming bill open, both not yet due.
//	10002  Lukas Becker, Hamburg (de): paid everything.
//	10003  Sophie Wagner, München (de, birth date 1991-06-14): one overdue
//	       bill, the rest paid.
//	10004  Murat Yılmaz, Köln (de): three overdue bills, the oldest partly
//	       paid, and the latest open.
//	10005  Anna Hoffmann, Leipzig (de): bills paid; a smartphone purchase
//	       partly paid, not yet due.
//	10006  Felix Neumann, Dresden (de): new customer, only a first bill,
//	       not yet due.
//	10007  Kranich Logistik GmbH, Bremen (business, de): five SIM cards,
//	       one overdue bill and the latest open.
//	10008  Emily Carter, Berlin (en): one overdue bill and the latest open.
//	10009  James O'Connor, Berlin (en): direct debit, the latest bill open.
//	10010  Ingrid Fischer, Bonn (de, birth date 1948-03-17, prefers
//	       letters): two overdue bills and the latest open.
//	10011  Thomas Richter, Gelsenkirchen (de, hardship): four overdue bills,
//	       the oldest partly paid, and the latest open.
//	10012  Katarzyna Nowak, Frankfurt am Main (no language on file): one
//	       overdue bill.
//	10013  Dieter Krause, Hannover (de, no email, phone and SMS only): paid
//	       everything.
//	10014  Marie Schäfer, Stuttgart (de): the latest bill open.
//	10015  Oliver Bennett, München (en): one overdue bill partly paid, the
//	       latest open.
//	10016  Paul Zimmermann, Nürnberg (de): paid everything.
//	10017  Café Brot & Bohne UG (haftungsbeschränkt), Düsseldorf (business,
//	       de): two overdue bills and the latest open.
//	10018  Hannah Wolf, Freiburg im Breisgau (de): bills paid; an
//	       accessories order open, not yet due.
//	10019  Jonas Braun, Münster (de): a roaming bill and the latest bill
//	       open.
//	10020  Lea Krüger, Kiel (de, birth date 1999-11-02): one overdue bill
//	       and the latest open.
//
// # Lumen Energie (slug "lumen")
//
// A municipal-style energy utility in Köln: Lumen Energie GmbH,
// Rheinauhafen 9, 50678 Köln, support +49 221 9876 5430 and
// kundenservice@lumen-energie.example. Burnt orange #b3470b with a green
// accent #2e7d32 and its own SVG logo. Step-up: a one-time code to the
// email or phone on file (every customer has one). Monthly instalment
// bills "Strom Tarif Lumen Öko · September 2026" (Abschlag plus metering),
// one annual statement with an additional payment due and one wallbox
// order. Its five
// customers have the same numbers as Nordwind Mobil's first five but are
// other people, which makes tenant isolation visible:
//
//	10001  Stefan Meier, Köln (de): one overdue bill, the latest open and
//	       a wallbox order open, not yet due.
//	10002  Elif Demir, Köln (de, phone only): electricity and gas, the
//	       latest bill open.
//	10003  Claudia Weber, Köln (de, email only): paid everything.
//	10004  Michael Schröder, Köln (de): two overdue bills, the latest open
//	       and an overdue annual statement partly paid.
//	10005  Grace Thompson, Köln (en): new customer, the latest bill open.
package demo
