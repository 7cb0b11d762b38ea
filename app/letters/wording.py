"""The kinds of letter and certificate, and the built-in wording every trust starts from.

The wording is support-first and speaks in days and lessons, as the attendance toolkit advises: a
percentage alone hides how much learning a child has missed.
"""

from __future__ import annotations

from dataclasses import dataclass

TEMPLATES = {  # one editable template each
    "traffic_green": "Traffic-light letter: green",
    "traffic_amber": "Traffic-light letter: amber",
    "traffic_red": "Traffic-light letter: red",
    "traffic_purple": "Traffic-light letter: purple",
    "improvement": "Improvement and praise letter",
    "meeting": "Attendance support meeting invitation",
    "lateness": "Lateness letter",
    "certificate_full": "100% attendance certificate",
    "certificate_improved": "Most-improved attendance certificate",
}
GENERATE = {  # what a user asks for; the traffic-light letter takes its template from the pupil's flag
    "traffic_light": "Half-termly traffic-light letter (wording by each pupil's flag)",
    "improvement": TEMPLATES["improvement"],
    "meeting": TEMPLATES["meeting"],
    "lateness": TEMPLATES["lateness"],
    "certificate_full": TEMPLATES["certificate_full"],
    "certificate_improved": TEMPLATES["certificate_improved"],
}
CERTIFICATES = frozenset({"certificate_full", "certificate_improved"})


@dataclass(frozen=True)
class Text:
    """A template's wording: a title and a body of paragraphs separated by blank lines."""

    title: str
    body: str


_OPENING = "Dear {{ parent_carer }},\n\n"
_FIGURES = (
    "Between {{ period_start }} and {{ period_end }}, {{ pupil_first_name }} has attended {{ attendance }} "
    "of the time. That means {{ pupil_first_name }} has missed {{ days_missed }} of school, which is "
    "{{ lessons_missed }}, out of {{ possible_days }}."
)
_CAREER = (
    "Every day counts. If absence carried on at this rate through a whole school career, from Reception "
    "to Year 13, it would add up to {{ lost_over_career }} of lost learning."
)

BUILT_IN = {
    "traffic_green": Text(
        "{{ pupil_first_name }}'s attendance this half term",
        _OPENING
        + "Thank you for everything you do to help {{ pupil_first_name }} come to school every day. "
        + _FIGURES
        + "\n\n"
        "Being in school regularly is one of the best things for {{ pupil_first_name }}'s learning, "
        "friendships and wellbeing, and it shows. Please keep up the good routine.\n\n"
        "If anything starts to make coming to school harder, please tell us early, so that we can help.",
    ),
    "traffic_amber": Text(
        "{{ pupil_first_name }}'s attendance this half term",
        _OPENING + "We are writing to let you know how {{ pupil_first_name }}'s attendance is going this "
        "school year. " + _FIGURES + "\n\n" + _CAREER + "\n\n"
        "We would love to see {{ pupil_first_name }} in school every day. If something is making that hard, "
        "please talk to us: {{ pupil_first_name }}'s tutor or the school office will be glad to help.",
    ),
    "traffic_red": Text(
        "{{ pupil_first_name }}'s attendance: let's work on it together",
        _OPENING + "We are writing because we are concerned about {{ pupil_first_name }}'s attendance, and "
        "we want to help. " + _FIGURES + " Attendance of 90% or below is called persistent absence; "
        "across {{ school_name }}, attendance is {{ school_attendance }}.\n\n" + _CAREER + "\n\n"
        "There is often a reason behind missed days, and we would like to understand it. We will be in "
        "touch to arrange a time to talk about what would help {{ pupil_first_name }} attend every day. "
        "You are welcome to contact us before then.",
    ),
    "traffic_purple": Text(
        "{{ pupil_first_name }}'s attendance: we would like to meet",
        _OPENING + "We are very worried about {{ pupil_first_name }}'s attendance, and we want to work with "
        "you to help. " + _FIGURES + " This means {{ pupil_first_name }} has missed more school than they "
        "have attended, and is missing a great deal of learning and time with friends.\n\n" + _CAREER + "\n\n"
        "We will contact you in the next few days to arrange a meeting, so that we can understand what is "
        "getting in the way and agree support together. Where it would help, we can also involve other "
        "services that support children and families. Please contact us at any time if you would like to "
        "talk sooner.",
    ),
    "improvement": Text(
        "Well done, {{ pupil_first_name }}",
        _OPENING + "We are delighted to tell you that {{ pupil_first_name }}'s attendance has improved. "
        "Between {{ period_start }} and {{ period_end }}, {{ pupil_first_name }} has attended "
        "{{ attendance }} of the time.\n\n"
        "Every extra day in school means more learning and more time with friends, and this improvement "
        "makes a real difference. Thank you for your support at home: please pass on our congratulations "
        "to {{ pupil_first_name }}.",
    ),
    "meeting": Text(
        "Invitation to an attendance support meeting",
        _OPENING + "We would like to invite you to an attendance support meeting about "
        "{{ pupil_first_name }} on {{ meeting_date }} at {{ meeting_time }}, at {{ school_name }}.\n\n"
        + _FIGURES
        + "\n\n"
        "The meeting is a chance for us to listen, to talk about what is working well and what is getting "
        "in the way, and to agree together the support that will help {{ pupil_first_name }} attend every "
        "day. {{ pupil_first_name }} is welcome to join us for part of it.\n\n"
        "If this time does not suit you, please contact the school office and we will arrange another.",
    ),
    "lateness": Text(
        "{{ pupil_first_name }}'s punctuality",
        _OPENING + "We are writing about {{ pupil_first_name }} arriving late to school. Between "
        "{{ period_start }} and {{ period_end }}, {{ pupil_first_name }} has arrived late "
        "{{ late_count }}, adding up to {{ late_minutes }}. That is {{ late_lessons }}, or "
        "{{ late_days }} of school.\n\n"
        "The start of the day matters: it is when the day's learning is explained, and arriving late can "
        "make it harder to settle. If something is making mornings difficult, please talk to us; we would "
        "like to help {{ pupil_first_name }} arrive on time.",
    ),
    "certificate_full": Text(
        "100% attendance",
        "This certificate is awarded to\n\n{{ pupil_name }}\n\n{{ year_group }}\n\n"
        "for attending every day from {{ period_start }} to {{ period_end }}. Well done!",
    ),
    "certificate_improved": Text(
        "Most improved attendance",
        "This certificate is awarded to\n\n{{ pupil_name }}\n\n{{ year_group }}\n\n"
        "for making a brilliant improvement in attendance. Attendance this year is now "
        "{{ attendance }}. Keep it up!",
    ),
}
