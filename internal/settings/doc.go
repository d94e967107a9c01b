// Package settings is what a creditor's admins change in the back
// office: the brand (names, contacts, colours, default language, logo),
// API keys for the creditor's systems, and webhook endpoints. Every
// change is written to the audit log in its transaction with what
// changed before and after; secrets (API keys, webhook signing secrets)
// and the logo's bytes never are: a secret is returned once to be shown
// once, a logo is recorded by its type and size.
package settings
