"""The Telegram bot: webhook and long polling, linked personal chats, allowlisted intake
chats, commands, the Bot API client and the intake-handler registry other apps fill."""
