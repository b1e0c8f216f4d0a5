"""URLs of this area, under /o/<org_slug>/messaging/."""

from django.urls import path

from groundswell.messaging import views

urlpatterns = [
    path("", views.inbox, name="messaging_inbox"),
    path("conversations/<int:pk>/", views.conversation, name="messaging_conversation"),
    path("conversations/<int:pk>/reply/", views.conversation_reply,
         name="messaging_conversation_reply"),
    path("conversations/<int:pk>/reviewed/", views.conversation_reviewed,
         name="messaging_conversation_reviewed"),
    path("compose/", views.compose, name="messaging_compose"),
    path("sent/", views.broadcast_list, name="messaging_broadcasts"),
    path("sent/<int:pk>/", views.broadcast, name="messaging_broadcast"),
    path("sent/<int:pk>/cancel/", views.broadcast_cancel, name="messaging_broadcast_cancel"),
    path("settings/", views.settings_page, name="messaging_settings"),
]
