"""The Bot API's methods answered from :class:`~bot.fake_telegram.state.TelegramState`: realistic JSON
results (the shapes Telegram returns, valid for aiogram 3.31) or :class:`ApiError`.

Realism on purpose: HTML in ``parse_mode=HTML`` texts is checked like Telegram does, texts over 4096 and
captions over 1024 characters, empty texts and callback data over 64 bytes are rejected, editing a known
message without changes gives ``message is not modified``, editing the text of a photo gives ``there is
no text in the message to edit``, and editing a text or caption without ``reply_markup`` removes the
inline keyboard.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from bot.fake_telegram.files import MEDIA_KINDS, Upload
from bot.fake_telegram.objects import BOT_ID, chat_member_dict, user_dict
from bot.fake_telegram.protocol import as_json, bad_request, canonical_method, maybe_int
from bot.fake_telegram.state import TelegramState

_CONTENT_KEYS = "text entities caption caption_entities photo video document audio voice animation sticker".split()
_NO_GIFTS = dict.fromkeys(
    "unlimited_gifts limited_gifts unique_gifts premium_subscription gifts_from_channels".split(), False)

Params = Mapping[str, Any]
Uploads = Mapping[str, Upload]


class FakeTelegram(TelegramState):
    """One fake Telegram: the in-process sessions and the HTTP server answer through :meth:`handle`."""

    def handle(self, method: str, params: Params, uploads: Uploads | None = None, *, bot_id: int = BOT_ID) -> Any:
        """Answer one method call; raise :class:`ApiError` for an error answer."""
        name = canonical_method(method)
        uploads = uploads or {}
        me = self.me(bot_id)
        handler = getattr(self, f"_m_{name}", None)
        if handler is not None:
            result = handler(params, uploads, me, bot_id)
        elif name.startswith("send") and name[4:].lower() in MEDIA_KINDS:
            result = self._send_media(name[4:].lower(), params, uploads, me)
        else:
            result = True
        self.counts[name] += 1
        for watcher in self.watchers:
            watcher(name, params, uploads, result)
        return result

    def _m_getMe(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        return {**me, "can_join_groups": True, "can_read_all_group_messages": self.reads_all_group_messages,
                "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}

    def _m_getUpdates(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        return []

    def _m_getWebhookInfo(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": 0}

    def _m_setWebhook(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = str(params.get("secret_token") or "")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        self.webhook_url = url
        self.webhook_secret = secret
        allowed = as_json(params.get("allowed_updates"))
        self.webhook_allowed_updates = list(allowed) if allowed is not None else None
        return True

    def _m_deleteWebhook(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        self.webhook_url = ""
        self.webhook_secret = ""
        return True

    @staticmethod
    def _commands_key(params: Params) -> str:
        scope = as_json(params.get("scope")) or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _m_setMyCommands(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        commands = as_json(params.get("commands")) or []
        self.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _m_getMyCommands(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        return self.commands.get(self._commands_key(params), [])

    def _m_deleteMyCommands(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _m_sendMessage(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        message = self.new_message(me, params)
        message["text"] = self.text(params.get("text"), params.get("parse_mode"), caption=False)
        entities = as_json(params.get("entities"))
        if entities:
            message["entities"] = entities
        return self.keep(message)

    def _media_message(self, kind: str, file: Any, item: Params, params: Params, uploads: Uploads,
                       me: Any) -> dict[str, Any]:
        stored = self.store.input_file(file, kind, uploads)
        message = self.new_message(me, params)
        message[kind] = self.store.media_object(kind, stored, item)
        if item.get("caption") is not None:
            message["caption"] = self.text(item.get("caption"), item.get("parse_mode"), caption=True)
        return message

    def _send_media(self, kind: str, params: Params, uploads: Uploads, me: Any) -> Any:
        return self.keep(self._media_message(kind, params.get(kind), params, params, uploads, me))

    def _m_sendMediaGroup(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        media = as_json(params.get("media")) or []
        if self.validate and not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the album: must be 2-10")
        group_id = str(10_000_000 + next(self.media_groups))
        messages = []
        for item in media:
            message = self._media_message(item.get("type", "photo"), item.get("media"), item,
                                          {**params, "reply_markup": None}, uploads, me)
            message["media_group_id"] = group_id
            messages.append(self.keep(message))
        return messages

    def _source(self, params: Params) -> dict[str, Any]:
        from_chat = self.chat(params.get("from_chat_id"))
        mid = maybe_int(params.get("message_id"))
        found = self.messages.get((from_chat["id"], mid)) if isinstance(mid, int) else None
        return found or {"chat": from_chat, "date": self.now() - 60, "text": "…"}

    def _copy(self, params: Params, me: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        source = self._source(params)
        message = self.new_message(me, params)
        message.update((key, source[key]) for key in _CONTENT_KEYS if key in source)
        return source, message

    def _m_copyMessage(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        _, message = self._copy(params, me)
        if params.get("caption") is not None and "text" not in message:
            message["caption"] = self.text(params.get("caption"), params.get("parse_mode"), caption=True)
        self.keep(message)
        return {"message_id": message["message_id"]}

    def _m_forwardMessage(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        source, message = self._copy({"chat_id": params.get("chat_id"), "from_chat_id": params.get("from_chat_id"),
                                      "message_id": params.get("message_id")}, me)
        chat = source["chat"]
        if "forward_origin" in source:
            origin = source["forward_origin"]
        elif chat.get("type") == "channel":
            origin = {"type": "channel", "date": source["date"], "chat": chat, "message_id": params.get("message_id")}
        elif "from" in source:
            origin = {"type": "user", "date": source["date"], "sender_user": source["from"]}
        else:
            origin = {"type": "chat", "date": source["date"], "sender_chat": chat}
        message["forward_origin"] = origin
        return self.keep(message)

    def _edit(self, params: Params, me: Any, change: Callable[[dict[str, Any]], None]) -> Any:
        target = self.find_message(params, me)
        if target is None:
            change({})
            return True
        edited = dict(target)
        change(edited)
        if self.validate and (target.get("chat", {}).get("id"), target["message_id"]) in self.messages:
            if all(edited.get(k) == target.get(k) for k in ("text", "caption", "reply_markup")):
                raise bad_request(
                    "message is not modified: specified new message content and reply markup are exactly "
                    "the same as a current content and reply markup of the message"
                )
        edited["edit_date"] = self.now()
        return self.keep(edited)

    def _m_editMessageText(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        def change(message: dict[str, Any]) -> None:
            if self.validate and "text" not in message and MEDIA_KINDS & message.keys():
                raise bad_request("there is no text in the message to edit")
            message["text"] = self.text(params.get("text"), params.get("parse_mode"), caption=False)
            entities = as_json(params.get("entities"))
            if entities:
                message["entities"] = entities
            else:
                message.pop("entities", None)
            self.apply_markup(message, params)

        return self._edit(params, me, change)

    def _m_editMessageCaption(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        def change(message: dict[str, Any]) -> None:
            message["caption"] = self.text(params.get("caption"), params.get("parse_mode"), caption=True)
            self.apply_markup(message, params)

        return self._edit(params, me, change)

    def _m_editMessageReplyMarkup(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        return self._edit(params, me, lambda message: self.apply_markup(message, params))

    def _m_deleteMessage(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        chat = self.chat(params.get("chat_id"))
        self.messages.pop((chat["id"], maybe_int(params.get("message_id"))), None)
        return True

    def _m_answerCallbackQuery(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        text = str(params.get("text") or "")
        if self.validate and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.answers[str(params.get("callback_query_id"))] = (text, bool(params.get("show_alert")))
        return True

    def _m_getChat(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        chat = self.known_chat(params.get("chat_id"))
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": _NO_GIFTS}

    def _m_getChatMember(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        # lenient, unlike getChat: a chat met only through an incoming update (my_chat_member fed to
        # the Dispatcher directly) is not registered here
        chat = self.chat(params.get("chat_id"))
        user_id = maybe_int(params.get("user_id"))
        member = self.members.get((chat["id"], user_id))
        if member is not None:
            return member
        if user_id == bot_id:
            return chat_member_dict(me, "administrator" if chat["id"] < 0 else "member")
        return chat_member_dict(user_dict(int(user_id)), "member")

    def _m_getChatAdministrators(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        chat = self.chat(params.get("chat_id"))
        admins = [m for (cid, _), m in self.members.items()
                  if cid == chat["id"] and m["status"] in ("creator", "administrator")]
        return admins or [chat_member_dict(me, "administrator")]

    def _m_getFile(self, params: Params, uploads: Uploads, me: Any, bot_id: int) -> Any:
        stored = self.store.file_for(str(params.get("file_id")))
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": stored.file_size,
                "file_path": stored.file_path}
