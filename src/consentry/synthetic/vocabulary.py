"""Sentence fragments with slots, from which every synthetic text is composed.

Templates use slots filled per text by `Slots`: `{skill}`, `{skill2}`, `{company}`,
`{title}`, `{years}`, `{city}`, `{topic}`, `{topic2}`, `{industry}`, `{n}`, `{pct}`,
`{weekday}`, `{month}`, `{event}`, `{team}`, `{adj}`, `{field}`. A slot is drawn the
first time a text uses it and reused after, so one text names one company consistently.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from consentry.synthetic.careers import Occupation


@dataclass(frozen=True)
class Author:
    """What a text knows about the member who writes it."""

    first_name: str
    occupation: Occupation
    title: str
    company: str
    city: str
    skills: tuple[str, ...]
    years: int


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
EVENTS = (
    "a meetup",
    "a conference",
    "our offsite",
    "a workshop",
    "a hackathon",
    "a panel",
    "a webinar",
    "a roundtable",
    "a summit",
    "a community evening",
    "a career fair",
)
TEAMS = (
    "my team",
    "our squad",
    "the platform team",
    "our small crew",
    "the whole department",
    "the night shift",
    "our new hires",
    "the leadership group",
    "my mentees",
    "the interns",
)
ADJECTIVES = (
    "surprising",
    "humbling",
    "energising",
    "exhausting",
    "rewarding",
    "messy",
    "fascinating",
    "underrated",
    "overdue",
    "hard-won",
    "quiet",
    "honest",
)
GENERAL_TOPICS = (
    "remote work",
    "mentoring",
    "career changes",
    "burnout",
    "hiring",
    "feedback",
    "learning in public",
    "leadership",
    "side projects",
    "work-life balance",
    "AI at work",
    "data privacy",
    "meetings",
    "documentation",
    "four-day weeks",
)


class Slots(dict):
    """Slot values for one text, drawn on first use (`str.format_map` calls `__missing__`)."""

    def __init__(self, rng: Random, author: Author) -> None:
        super().__init__()
        self.rng = rng
        self.author = author

    def __missing__(self, key: str) -> str:
        rng, a = self.rng, self.author
        if key in ("skill", "skill2", "skill3"):
            value = rng.choice(a.skills)
        elif key in ("topic", "topic2"):
            pool = a.occupation.topics if rng.random() < 0.7 else GENERAL_TOPICS
            value = rng.choice(pool)
        else:
            value = _SIMPLE[key](rng, a)
        self[key] = value
        return value


_SIMPLE = {
    "company": lambda r, a: a.company,
    "title": lambda r, a: a.title,
    "years": lambda r, a: str(max(2, a.years + r.randint(-1, 1))),
    "city": lambda r, a: a.city,
    "industry": lambda r, a: a.occupation.industry.lower(),
    "field": lambda r, a: a.occupation.name,
    "n": lambda r, a: str(r.choice((2, 3, 3, 4, 5, 5, 6, 7, 8, 10, 12, 15, 20, 40, 100))),
    "pct": lambda r, a: str(r.randint(5, 95)),
    "weekday": lambda r, a: r.choice(WEEKDAYS),
    "month": lambda r, a: r.choice(MONTHS),
    "event": lambda r, a: r.choice(EVENTS),
    "team": lambda r, a: r.choice(TEAMS),
    "adj": lambda r, a: r.choice(ADJECTIVES),
    "first": lambda r, a: a.first_name,
}


def fill(rng: Random, template: str, slots: Slots) -> str:
    return template.format_map(slots)


POST_OPENERS = (
    "",
    "",
    "",
    "",
    "Big news!",
    "Quick thought on {topic}:",
    "A {adj} week.",
    "After {years} years in {field}, some notes.",
    "Hot take:",
    "Lesson learned this {weekday}:",
    "Some personal news.",
    "Reflecting on {month}.",
    "Question for my network:",
    "Unpopular opinion about {topic}:",
    "Back from {event} in {city}.",
    "Small win today.",
    "Something nobody tells you about {topic}:",
    "{n} things I wish I knew earlier about {topic}.",
    "Still thinking about {event} last {weekday}.",
    "Honest update from {company}.",
    "Friday reflection:",
    "TIL:",
    "A thread on {topic}.",
    "Proud moment for {team}!",
    "This one is for anyone starting out in {field}.",
    "Let's talk about {topic}.",
    "Hiring update from {city}:",
    "Okay, {topic} again.",
    "Coffee-break thought:",
    "Year {years} as a {title}.",
    "Some {adj} news from {company}:",
    "Mini case study:",
    "Career note:",
    "Reading list update:",
    "Confession:",
    "Milestone:",
    "Heads-up, {city} folks:",
)

POST_SENTENCES = (
    "{years} years at {company} this {month}, and I'm grateful for {team}.",
    "We shipped a new approach to {topic} and cut review time by {pct}%.",
    "Most problems with {topic} are really communication problems.",
    "If you're learning {skill}, start with a real project, not a tutorial.",
    "I spoke at {event} in {city} about {topic} and the questions were {adj}.",
    "Our team at {company} is hiring a {title} who loves {skill}.",
    "{skill} is underrated in {industry}, and I will die on this hill.",
    "Three years ago I couldn't spell {skill}; today I teach it to {team}.",
    "The best advice I got as a junior: write things down.",
    "We spent {n} weeks on {topic} and learned more from the failures than the wins.",
    "Pairing {skill} with {skill2} changed how {team} works.",
    "I'm starting a new position as {title} at {company}!",
    "Grateful to everyone at {company} who made the last {years} years so {adj}.",
    "Hot take: nobody needs {n} meetings a week to stay aligned.",
    "We reduced onboarding time from {n} weeks to a few days by documenting {topic}.",
    "Anyone in {city} want to grab a coffee and talk about {topic}?",
    "Looking for recommendations: books or courses on {skill2}?",
    "The {industry} world moves fast, but {topic} is still the hard part.",
    "I asked {n} people in {field} what they'd change about {topic}; the answers were {adj}.",
    "Celebrating {n} years since I moved to {city} for this job.",
    "What I look for in a {title}: curiosity, kindness and solid {skill}.",
    "Our {month} retro surfaced one theme: {topic}.",
    "Teaching {skill} to new colleagues is the fastest way to learn it properly.",
    "I used to think {topic} was a solved problem. It isn't.",
    "Data point: {pct}% of the teams I talked to have no plan for {topic2}.",
    "The slides from {event} are up, ask me if you want them.",
    "Every {weekday} I block two hours for deep work on {skill}.",
    "Leaving {company} after {years} years was the hardest decision I've made.",
    "Mentoring {n} people this year taught me more about {topic} than any course.",
    "When you're the only {title} in the room, explaining {skill} is half the job.",
    "Somebody asked me how to get into {field}; my answer: {skill}, then {skill2}, then patience.",
    "Our {city} office turned {n} this {month}.",
    "I've changed my mind on {topic2} twice this year.",
    "Honest question: does anyone still use {skill} for new projects?",
    "The {adj} part of {topic} is how much it depends on trust.",
    "I'm proud of what {team} delivered in {month}, especially on {topic}.",
    "We open-sourced a small tool for {topic}; feedback very welcome.",
    "Certification done: {skill} is officially on my CV now.",
    "Five minutes of {skill} every morning adds up over a year.",
    "Working on {topic} in {industry} means saying no more than yes.",
    "At {company} we measure {topic} weekly, and it changed our priorities.",
    "My {n}-step checklist for {topic2} fits on an index card.",
    "Spent {weekday} at {event} with people who care about {topic}.",
    "Reminder that {topic} is a team sport.",
    "The first {n} months as a {title} are mostly listening.",
    "Half of {field} is {skill}; the other half is knowing when not to use it.",
    "Looking back at {years} years of {topic}: fewer silver bullets than promised.",
    "Great discussion with {team} today about {topic2} and {topic}.",
    "If your {topic} plan doesn't survive a {weekday} outage, it isn't a plan.",
    "New role, same city: {title} at {company}, {city}.",
)

POST_CLOSERS = (
    "",
    "",
    "",
    "What do you think?",
    "Thoughts welcome.",
    "Onwards!",
    "Happy to share more.",
    "Agree or disagree?",
    "More soon.",
    "Let me know in the comments.",
    "Back to work.",
    "Thanks for reading.",
    "Curious how others handle this.",
    "DMs open.",
    "Have a good weekend!",
    "Bookmark this one.",
    "Who else has been there?",
    "Grateful.",
    "Let's keep learning.",
)

HASHTAGS = (
    "career",
    "hiring",
    "leadership",
    "learning",
    "teamwork",
    "growth",
    "mentoring",
    "innovation",
    "privacy",
    "AI",
    "opentowork",
    "remotework",
    "womenintech",
    "engineering",
    "data",
    "community",
    "futureofwork",
    "wellbeing",
    "events",
)

COMMENT_TEMPLATES = (
    "Congratulations, well deserved!",
    "Great point about {topic}.",
    "Totally agree.",
    "This matches what we see at {company}.",
    "Thanks for sharing, {adj} read.",
    "Could you say more about the {skill} part?",
    "So true for {field} as well.",
    "We tried this with {team} and it worked.",
    "Saving this for later.",
    "Interesting take, though I'd push back on {topic}.",
    "Love this!",
    "Well said.",
    "Exactly what I needed on a {weekday}.",
    "How long did it take to see results?",
    "Same experience here after {years} years in {industry}.",
    "Would love the slides!",
    "Congrats on the new role!",
    "Best of luck at {company}!",
    "Bookmarked.",
    "The {topic} point is underrated.",
    "Do you have a link for {event}?",
    "We should talk about {topic2} sometime.",
    "Happy to help if you need a hand with {skill}.",
    "Counterpoint: {skill} isn't always the answer.",
    "{n} weeks? Impressive.",
    "Reading this from {city}, same here.",
)

ARTICLE_TITLES = (
    "What {years} years of {topic} taught me",
    "A practical guide to {skill} for {field} teams",
    "Why {topic} matters more than ever in {industry}",
    "{n} lessons from leading {team}",
    "How we rebuilt {topic} at {company}",
    "The {adj} truth about {topic2}",
    "From {skill} to {skill2}: a career in {field}",
    "Notes from {event} in {city}",
    "{topic}: myths and facts",
    "Before you hire a {title}, read this",
)

MESSAGE_OPENERS = (
    "Hi {other},",
    "Hello {other}!",
    "Hey {other},",
    "Dear {other},",
    "Good morning {other},",
    "{other}, quick one:",
    "Hi there,",
    "Hey!",
)
MESSAGE_SENTENCES = (
    "Thanks for connecting!",
    "Great to meet you at {event} in {city}.",
    "Are you open to a chat about a {title} role at {company}?",
    "Do you have time for a call on {weekday}?",
    "I saw your post about {topic}, very helpful.",
    "Could you introduce me to someone working on {topic}?",
    "Happy to review your CV if that helps.",
    "Sending over the notes from our call.",
    "Would you be a reference for my {title} application?",
    "We're looking for someone with {skill} experience; interested?",
    "Let me know if {weekday} at 10 works.",
    "Congrats on the new job!",
    "Any tips for getting started with {skill}?",
    "The {event} recording is up now.",
    "I'll be in {city} in {month}, coffee?",
    "No rush on this, whenever suits.",
)
MESSAGE_CLOSERS = ("Best,", "Thanks,", "Cheers,", "Kind regards,", "Talk soon,", "", "")

ABOUT_SENTENCES = (
    "{title} with {years} years of experience in {industry}.",
    "I help teams get better at {topic} through {skill} and {skill2}.",
    "Currently at {company} in {city}, working on {topic}.",
    "Before that I spent time in {field} roles across {n} companies.",
    "I care about {topic2}, good documentation and kind feedback.",
    "Specialities: {skill}, {skill2}, {skill3}.",
    "Outside work you'll find me mentoring people new to {field}.",
    "Open to speaking at events about {topic}.",
    "My background is in {field}; my passion is {topic}.",
    "I've led {team} through {n} product launches.",
    "Based in {city}. Happy to connect with people interested in {topic}.",
    "I believe {topic} is where {industry} will change most this decade.",
)

HEADLINES = (
    "{title} at {company}",
    "{title} | {skill} · {skill2}",
    "{title} · {topic}",
    "Helping teams with {topic} | {title}",
    "{title} at {company} | {city}",
    "{skill} and {skill2} | {title}",
    "{title} | Speaker | Mentor",
)

JOB_INTROS = (
    "{company} is looking for a {title} to join our team in {city}.",
    "Join {company} as a {title} and help us grow our work on {topic}.",
    "We're hiring a {title} in {city}!",
    "Are you a {title} who loves {skill}? Read on.",
    "Our {industry} team at {company} is growing.",
)
JOB_DUTIES = (
    "Own our work on {topic} end to end.",
    "Work with {team} on {topic2}.",
    "Use {skill} daily to solve real problems for our customers.",
    "Mentor colleagues and share what you know about {skill2}.",
    "Shape how we approach {topic} across {company}.",
    "Report progress to leadership every {weekday}.",
)
JOB_REQUIREMENTS = (
    "{years}+ years of experience with {skill}.",
    "Solid knowledge of {skill2}.",
    "A track record in {industry}.",
    "Comfort with ambiguity and with {topic}.",
    "Fluency in English; other languages are a plus.",
    "Experience mentoring others.",
)
JOB_BENEFITS = (
    "Flexible hours and hybrid work.",
    "{n} days of annual leave on top of public holidays.",
    "A learning budget for courses on {skill}.",
    "Pension contributions and health cover.",
    "A friendly team that cares about {topic}.",
    "Relocation support to {city}.",
)

POSITION_SENTENCES = (
    "Led {topic} for {team}.",
    "Built and ran our {skill} practice.",
    "Introduced {skill2} and cut turnaround by {pct}%.",
    "Worked across {n} teams on {topic2}.",
    "Mentored {n} junior colleagues.",
    "Owned {topic} for the {city} office.",
    "Delivered {n} projects in {industry} on time.",
    "Hired and onboarded {team}.",
    "Day-to-day work with {skill}, {skill2} and a lot of patience.",
    "Represented {company} at {event}.",
)
MENTION_FRAMES = (
    ("Thanks ", " for the idea."),
    ("cc ", ""),
    ("Great chat with ", " today."),
    ("Shout-out to ", "!"),
    ("Agree with ", " on this."),
    ("Curious what ", " thinks."),
    ("Congrats ", "!"),
    ("As ", " put it so well:"),
)
SCHOOL_FORMS_MINOR = (
    "{city} High School",
    "Gymnasium {city}",
    "Lycée de {city}",
    "{city} International School",
    "{city} Secondary School",
)
