// Package portal is the debtor portal's service layer: issuing and
// opening personal links, the step-up that guards details (knowledge or a
// one-time code), and the account views. Handlers call it; it calls the
// store and applies the rules of package ar.
//
// Rate limits live in PostgreSQL (store.Hit) so that they hold across
// instances:
//   - opening links: 60 requests a minute per IP, 30 entries per 10 minutes per link
//   - knowledge answers: 5 per link and 20 per IP in 15 minutes
//   - one-time codes: 3 sends per session and 10 per debtor in 10 minutes;
//     5 wrong codes lock a code
package portal
