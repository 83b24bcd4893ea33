"""Pages of the people app, under ``/mensen/``."""

from django.urls import path

from schildwacht.people.views import awareness, exercises, trainings

app_name = "people"
urlpatterns = [
    path("oefeningen/", exercises.exercise_list, name="exercises"),
    path("oefeningen/nieuw/", exercises.exercise_create, name="exercise_create"),
    path("oefeningen/<int:pk>/", exercises.exercise_detail, name="exercise_detail"),
    path("oefeningen/<int:pk>/bewerken/", exercises.exercise_edit, name="exercise_edit"),
    path("oefeningen/<int:pk>/verwijderen/", exercises.exercise_delete, name="exercise_delete"),
    path("oefeningen/<int:pk>/bevindingen/nieuw/", exercises.finding_create, name="finding_create"),
    path("bevindingen/<int:pk>/bewerken/", exercises.finding_edit, name="finding_edit"),
    path("bevindingen/<int:pk>/verwijderen/", exercises.finding_delete, name="finding_delete"),
    path("bevindingen/<int:pk>/naar-plan/", exercises.finding_to_plan, name="finding_to_plan"),
    path("trainingen/", trainings.training_list, name="trainings"),
    path("trainingen/trainingen.xlsx", trainings.training_export, name="training_export"),
    path("trainingen/nieuw/", trainings.training_create, name="training_create"),
    path("trainingen/<int:pk>/", trainings.training_detail, name="training_detail"),
    path("trainingen/<int:pk>/bewerken/", trainings.training_edit, name="training_edit"),
    path("trainingen/<int:pk>/verwijderen/", trainings.training_delete, name="training_delete"),
    path(
        "trainingen/<int:pk>/deelnemers/importeren/",
        trainings.participant_import,
        name="participant_import",
    ),
    path(
        "trainingen/deelnemers-sjabloon.<str:fmt>",
        trainings.participant_template,
        name="participant_template",
    ),
    path(
        "deelnemers/<int:pk>/verwijderen/", trainings.participant_delete, name="participant_delete"
    ),
    path("phishing/", awareness.campaign_list, name="campaigns"),
    path("phishing/importeren/", awareness.campaign_import, name="campaign_import"),
    path("phishing/sjabloon.<str:fmt>", awareness.phishing_template, name="phishing_template"),
    path("phishing/<int:pk>/verwijderen/", awareness.campaign_delete, name="campaign_delete"),
    path("dekking/", awareness.coverage, name="coverage"),
    path("mijn-trainingen/", awareness.my_trainings, name="my_trainings"),
]
