// Package staff is the back office's accounts and sessions: AR staff,
// call-centre agents and admins.
//
//   - Passwords are argon2id (password.go); unknown emails cost as much
//     time as wrong passwords, and both fail with one message.
//   - Sign-in (service.go) is throttled per email and per address in
//     PostgreSQL (10 and 50 tries per 15 minutes). Accounts that require
//     TOTP, or have set it up, get a session pending its second factor;
//     the first sign-in of an account that requires it enrols (QR code
//     and key, RFC 6238 with SHA-1, 6 digits, 30 s, ±1 step). Each code
//     is accepted once (the last used step is stored).
//   - Sessions are server-side: the cookie holds a random id, the
//     staff_sessions table its hash, the second-factor state, the
//     creditor being worked on, and the idle clock (15 minutes; 12 hours
//     in all). The id changes at sign-in and after the second factor.
//     Logout ends one session, "log out everywhere" every session of the
//     account (sessions_valid_after), disabling an account all of them.
//   - Roles (roles.go): which role may do what is decided by Can and
//     nowhere else; routes name the permission they need.
//   - An account with no creditor is an operator's admin: it picks the
//     creditor to work on; every other account sees only its creditor's
//     data.
package staff
