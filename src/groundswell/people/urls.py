"""URLs of the people area, under /o/<org_slug>/people/. Each view module owns its
patterns."""

from groundswell.people.views import exports, merge, people, stages

urlpatterns = [*people.urlpatterns, *merge.urlpatterns, *exports.urlpatterns,
               *stages.urlpatterns]
