"""Annex B of the DfE attendance toolkit: its areas and statements, and its 1 to 4 rating key, as data.

The wording is the toolkit's own, so a school's answers read as the toolkit asks them. Keys are stable
slugs: saved assessments refer to statements by key, never by position, so a reworded statement keeps
its history.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "DfE, Attendance toolkit for schools, Annex B: Self-assessment"

# The toolkit's key: "give a score between 1 and 4 that reflects the strength of your current practice".
RATINGS = {
    1: "In place or in the early stages of development",
    2: "In place but needs to be strengthened and further embedded",
    3: "In place but effectiveness has not been tested",
    4: "In place and known to be effective",
}
SHORT = {1: "Early stages", 2: "Needs strengthening", 3: "Effectiveness untested", 4: "Known to be effective"}

# The status of an action agreed last term, as this term's assessment records it.
ACTION_STATUSES = {
    "": "Not yet reviewed",
    "not_started": "Not started",
    "in_progress": "In progress",
    "done": "Done",
    "dropped": "Dropped (no longer needed)",
}


@dataclass(frozen=True)
class Statement:
    key: str
    area: str  # an AREAS key
    heading: str  # the toolkit's sub-heading within the area, or ""
    text: str


@dataclass(frozen=True)
class Area:
    key: str
    name: str


AREAS = (
    Area("data", "Data and targeted support"),
    Area("culture", "Culture"),
    Area("people", "People, processes and systems"),
    Area("relationships", "Relationships and communications"),
)
AREA_NAMES = {a.key: a.name for a in AREAS}

_CHAMPION = "The senior attendance champion"
_PROCESSES = "Processes and systems"
_FAMILIES = "Relationships with families"

STATEMENTS = (
    Statement("data-staff-aware", "data", "", "Do you ensure that teachers and all other relevant staff are aware of attendance rates for their class, form and year (including overall, persistent absence, severe absence and specific cohorts)?"),
    Statement("data-pupils-aware", "data", "", "Are pupils aware of their own attendance rates, and why these matter?"),
    Statement("data-monitor", "data", "", "Do you frequently monitor and analyse attendance data, including historic trends over time, pupil, year group, and specific cohorts e.g. SEN and FSM?"),
    Statement("data-barriers", "data", "", "Do you use data to identify individual and cohort barriers to attendance, taking targeted action and developing strategies to overcome these?"),
    Statement("data-support-known", "data", "", "Are staff aware of the full range of support available within school for pupils with barriers to attendance, and how and when to access these?"),
    Statement("data-support-understood", "data", "", "Do staff understand how the targeted support in place will respond to the pupils' attendance barriers?"),
    Statement("data-external-picture", "data", "", "Are you confident that you have a full picture of the external support available for pupils with barriers to attendance? For example, what support is provided by your local authority and charities."),
    Statement("data-external-access", "data", "", "Are you aware of how and when to access external services to help pupils to overcome barriers to attendance?"),
    Statement("data-impact-reviewed", "data", "", "Do you make sure that the intended impact of attendance support is clear, regularly reviewed to measure effectiveness, and adjusted if needed?"),
    Statement("culture-vision-known", "culture", "", "Do staff, pupils, parents/carers, and governors know your school's vision and values and how this relates to maintaining high attendance?"),
    Statement("culture-vision-promotes", "culture", "", "Do your vision and values promote a culture that supports strong attendance and high attendance expectations?"),
    Statement("culture-belonging", "culture", "", "Do you ensure that your school's culture is warm, welcoming, supportive and encourages a sense of belonging in all pupils?"),
    Statement("culture-modelled", "culture", "", "Are you confident that staff and pupils understand, model and communicate your values and culture?"),
    Statement("people-champion-visible", "people", _CHAMPION, "Are you confident that the senior attendance champion is sufficiently visible, and that their role is understood by staff, pupils, governors and the wider community?"),
    Statement("people-champion-supported", "people", _CHAMPION, "Does the champion receive sufficient support and challenge from the headteacher and governors?"),
    Statement("people-champion-capacity", "people", _CHAMPION, "Does the senior attendance champion have the capacity, time, and skills to effectively deliver their role?"),
    Statement("people-staff-responsibilities", "people", _CHAMPION, "Do you ensure that staff are aware of their attendance responsibilities?"),
    Statement("people-staff-effectiveness", "people", _CHAMPION, "Do you monitor the effectiveness of staff in delivering their attendance responsibilities and identify and meet any learning and development needs?"),
    Statement("people-operating-model", "people", _CHAMPION, "Do you regularly review your current operating model to assess its effectiveness?"),
    Statement("processes-timely", "people", _PROCESSES, "Have you implemented clear attendance systems and processes to track and respond to absence in a timely and responsive way?"),
    Statement("processes-communicated", "people", _PROCESSES, "Do you ensure that information about attendance systems and processes is easy to locate and communicated frequently across the school community?"),
    Statement("processes-induction", "people", _PROCESSES, "Do attendance systems and processes feature in staff induction and training?"),
    Statement("processes-additional-needs", "people", _PROCESSES, "Are your systems and processes sensitive to children with additional needs, such as SEN and young carers? For example, that you reward improved attendance, not just high attendance."),
    Statement("processes-impact", "people", _PROCESSES, "Do you regularly measure the impact of your systems and processes and update or change them when necessary?"),
    Statement("families-right-staff", "relationships", _FAMILIES, "Are the right staff within the school holding the relationship with parents/ carers?"),
    Statement("families-welcome", "relationships", _FAMILIES, "Do you create an environment that encourages families to feel welcome at school?"),
    Statement("families-confident", "relationships", _FAMILIES, "Are school staff confident in discussing attendance- and any sensitive issues relating to this- with families, and do they have the listening skills required?"),
    Statement("families-opinions", "relationships", _FAMILIES, "Do you seek opinions from parents and carers and parent carer groups and use these to shape attendance support?"),
    Statement("comms-impact", "relationships", _FAMILIES, "Do you measure the impact, and effectiveness of attendance communications in reducing absence?"),
    Statement("comms-support-known", "relationships", _FAMILIES, "Are you confident that families are aware of the attendance support, guidance and advice available to them, and how and when to access this?"),
    Statement("comms-relatable", "relationships", _FAMILIES, "Do you describe absence in a relatable way? For example, in terms of lessons and days missed, rather than just percentages, and the social, health and academic benefits of regular attendance."),
    Statement("comms-satisfied", "relationships", _FAMILIES, "Are you confident that families are satisfied with the frequency, accuracy, timing, language, tone and methods used for attendance communications?"),
    Statement("comms-accessible", "relationships", _FAMILIES, "Do you ensure that communications are accessible to everyone, recognise diverse barriers to attendance and promote school as a positive and supportive place to be?"),
    Statement("comms-consistent", "relationships", _FAMILIES, "Do you engage with other schools in your area or trust to ensure that your messaging and approach is consistent?"),
)  # fmt: skip
BY_KEY = {s.key: s for s in STATEMENTS}


def statements_of(area: str) -> list[Statement]:
    return [s for s in STATEMENTS if s.area == area]


def rating_words(rating: int | None) -> str:
    """The toolkit's words for a rating, e.g. '3: In place but effectiveness has not been tested'."""
    return "Not rated" if rating is None else f"{rating}: {RATINGS[rating]}"
