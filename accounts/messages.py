"""Every sentence the accounts pages show, in one place (the tests reuse them)."""

INVITE_SENT = "Invite sent to {email}. The link works once, for {days} days."
INVITE_PENDING = "An invite to {email} is already pending; revoke it to send a new one."
INVITE_USER_EXISTS = "{email} already belongs to an account; grant it a role instead."
INVITE_REVOKED = "The invite to {email} is revoked; its link no longer works."
INVITE_NOT_OPEN = "This invite is no longer pending."

INVITE_LINK_INVALID = "This invite link is not valid. Check that you copied all of it."
INVITE_LINK_EXPIRED = "This invite expired on {date}. Ask an admin to send a new one."
INVITE_LINK_USED = "This invite has already been used. Log in with the account it created."
INVITE_LINK_REVOKED = "This invite was withdrawn. Ask an admin if you still need access."
INVITE_LOGGED_IN = (
    "You are logged in as {name}. Log out first to accept an invite for someone else."
)
INVITE_ADDRESS_TAKEN = "An account already uses {email}. Log in with it instead."
INVITE_USERNAME_TAKEN = "That username is taken; choose another."
INVITE_ACCEPTED_NOTE = "{name} accepted your invite and joined as {role}."
INVITE_WELCOME = "Welcome, {name}. Your account is ready."

PASSWORD_CHANGED = (
    "Your password is changed; other devices where you were logged in are logged out."
)
PROFILE_SAVED = "Your name is saved."
RESET_SENT = (
    "If an account with a password uses that address, an email with a reset link is on its "
    "way. It can take a few minutes; check the spam folder too."
)

ROLE_GRANTED = "{name} is now {role}."
ROLE_ALREADY = "{name} already has a role."

SSO_NO_ALLOWLIST = "Single sign-on has no allowed domains or addresses configured yet."
SSO_EMAIL_UNVERIFIED = "{provider} did not confirm that you own {email}, so it cannot be used here."
SSO_NO_EMAIL = "{provider} did not share an email address, so we cannot tell who you are."
SSO_NOT_ALLOWED = "{email} is not allowed to sign in here. Use an address of your organisation."
SSO_AMBIGUOUS = "Several accounts use {email}. Ask an admin to sort them out, then try again."
SSO_INACTIVE = "This account is deactivated. Ask an admin if you need access again."
SSO_FAILED = "Signing in with {provider} did not work. Try again, or log in with your password."
SSO_CANCELLED = "Signing in with {provider} was cancelled."
