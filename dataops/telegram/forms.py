from django import forms

from dataops.telegram.models import TelegramChat


class TelegramChatForm(forms.ModelForm):
    class Meta:
        model = TelegramChat
        fields = ["chat_id", "label", "allow_intake", "allow_status"]
        labels = {
            "chat_id": "Chat id",
            "allow_intake": "Messages become intake items",
            "allow_status": "Status commands (/status, /today)",
        }
        help_texts = {"chat_id": "A group's id is negative, e.g. -1001234567890."}

    def clean_chat_id(self) -> str:
        value = self.cleaned_data["chat_id"].strip()
        digits = value.removeprefix("-")
        if not digits.isdigit() or len(digits) > 20:
            raise forms.ValidationError("A chat id is a whole number, e.g. -1001234567890.")
        return value
