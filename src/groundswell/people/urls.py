"""URLs of the people area, under /o/<org_slug>/people/."""

from django.urls import URLPattern, path

from groundswell.people.views import exports, merge, people, stages

urlpatterns: list[URLPattern] = [
    path("", people.people_list, name="people"),
    path("tag/", people.people_tag, name="people_tag"),
    path("lists/save/", people.list_save, name="people_list_save"),
    path("lists/<int:pk>/", people.saved_list, name="saved_list"),
    path("new/", people.person_create, name="person_create"),
    path("new/check/", people.duplicate_check, name="person_duplicate_check"),
    path("<int:pk>/", people.person_page, name="person"),
    path("<int:pk>/note/", people.person_note, name="person_note"),
    path("<int:pk>/contact/", people.person_contact, name="person_contact"),
    path("<int:pk>/consent/", people.person_consent, name="person_consent"),
    path("<int:pk>/consent/withdraw/", people.person_consent_withdraw,
         name="person_consent_withdraw"),
    path("<int:pk>/grievance/", people.person_grievance, name="person_grievance"),
    path("<int:pk>/relationship/", people.person_relationship, name="person_relationship"),
    path("<int:pk>/relationship/search/", people.person_relationship_search,
         name="person_relationship_search"),
    path("<int:pk>/move/", people.person_move, name="person_move"),
    path("<int:pk>/stage/", people.person_stage, name="person_stage"),
    path("<int:pk>/rate/", people.person_rate, name="person_rate"),
    path("<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("contacts/<int:pk>/reveal/", people.contact_reveal, name="contact_reveal"),
    path("households/<int:pk>/", people.household, name="household"),
    # merge.py
    path("duplicates/", merge.duplicates, name="duplicates"),
    path("duplicates/<int:pk>/dismiss/", merge.duplicate_dismiss, name="duplicate_dismiss"),
    path("merge/<int:first>/<int:second>/", merge.person_merge, name="person_merge"),
    path("merges/", merge.merges, name="merges"),
    path("merges/<int:pk>/undo/", merge.merge_undo, name="merge_undo"),
    path("<int:pk>/forget/", merge.person_forget, name="person_forget"),
    # exports.py, stages.py
    path("export/", exports.people_export, name="people_export"),
    path("ladder/", stages.engagement_ladder, name="engagement_ladder"),
]
