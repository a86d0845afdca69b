#!/usr/bin/env python3
"""A labelled corpus for the campaign detector's benchmark (Scripts/benchmark-campaigns.sh).

Writes JSON lines {"id", "label", "text"} in arrival order (shuffled): campaign letters with
mail-merge variation, as in the FCC's 2017 fake-comment campaigns (a name and a place inserted
in a greeting, a sign-off and sometimes in the body; synonyms swapped; sentences reordered,
dropped, or a personal sentence added), mixed with independently written texts on the same
topic, built from the same phrase grammar as the campaign templates (so they share the topic's
vocabulary and stock phrases). A campaign member's label is its campaign ("c7"); an independent
text's label is its own id.

Usage: campaign_corpus.py OUT.jsonl [--campaigns 40] [--independent 4000] [--seed 2025]
       campaign_corpus.py OUT.jsonl --texts N   (N texts, a third of them from campaigns: for the 1M run)
"""

import argparse
import json
import random

OPENERS = ["", "", "", "I believe that ", "In my view, ", "We are concerned that ", "It is clear that ",
           "Evidence shows that ", "Frankly, ", "As a citizen I think ", "Our members agree that ", "Sadly, ",
           "I fear that ", "Many experts say that ", "To be honest, ", "From what I have seen, ", "Clearly, ",
           "I am convinced that ", "My colleagues feel that ", "Perhaps ", "Surely ", "In our experience, "]
SUBJECTS = ["neural data", "brain-computer interfaces", "consumer EEG headsets", "neurotechnology at work",
            "brain scans used as evidence", "deep brain stimulation", "memory detection tests",
            "AI decoding of brain signals", "neuromarketing", "cognitive enhancement devices",
            "implanted neural devices", "emotion recognition from brain activity", "lie detection by fMRI",
            "neurofeedback apps", "brain data brokers", "military uses of neurotechnology",
            "neural monitoring of drivers", "research on brain implants", "sleep tracking headbands",
            "attention monitoring in schools", "the regulator", "every company selling headsets", "the courts",
            "national parliaments", "hospital ethics boards", "insurers", "employers", "police forces",
            "data protection authorities", "the proposed directive", "the industry", "universities"]
MODALS = ["must", "should", "ought to", "needs to", "has to", "will", "could", "may", "cannot", "must not",
          "would", "might", "is expected to", "is unlikely to", "is trying to", "is failing to"]
VERBS = ["protect", "regulate", "threaten", "improve", "safeguard", "undermine", "respect", "harm", "transform",
         "fund", "ban", "test", "question", "support", "monitor", "weaken", "strengthen", "expose", "exploit",
         "defend", "ignore", "limit", "clarify", "restrict", "promote", "audit", "benefit", "endanger", "serve",
         "reshape", "inform", "oversee"]
ADJECTIVES = ["serious", "basic", "real", "public", "fragile", "personal", "medical", "fundamental", "private",
              "individual", "collective", "long-term", "democratic", "legal", "scientific", "mental", "vulnerable",
              "future", "clinical", "economic", "social", "digital"]
NOUNS = ["privacy", "freedom of thought", "fair trials", "patients", "workers", "children", "consent",
         "innocence", "health", "data protection", "identity", "dignity", "research", "trust", "the rule of law",
         "debate", "judges", "care", "integrity", "security", "innovation", "autonomy", "rights", "users",
         "families", "minorities", "students", "evidence", "safeguards", "liberties", "markets", "science"]
TAILS = ["", "", "", "", " in every member state", " before it is too late", " as the technology spreads",
         " according to recent studies", " in my experience", " without exception", " under the new framework",
         " in the coming decade", " for the next generation", " across the whole union", " at any cost",
         " in hospitals and courts", " if nothing changes", " within a few years", " for good", " right now",
         " in practice", " on a large scale", " in the long run", " by design"]
SYNONYMS = {"serious": "grave", "basic": "elementary", "real": "genuine", "public": "common", "fragile": "delicate",
            "fundamental": "essential", "private": "intimate", "long-term": "lasting", "vulnerable": "exposed",
            "protect": "shield", "regulate": "control", "threaten": "menace", "improve": "enhance",
            "safeguard": "secure", "undermine": "erode", "harm": "damage", "transform": "change", "ban": "prohibit",
            "test": "examine", "support": "help", "weaken": "impair", "strengthen": "reinforce", "defend": "uphold",
            "limit": "curb", "promote": "advance", "endanger": "imperil", "oversee": "supervise",
            "must": "has to", "should": "ought to", "cannot": "can not", "concerned": "worried", "believe": "think",
            "view": "opinion", "children": "minors", "workers": "employees", "patients": "sufferers",
            "consent": "agreement", "trust": "confidence", "dignity": "honour", "care": "treatment",
            "Frankly": "Honestly", "clear": "obvious", "urge": "ask", "strongly": "firmly",
            "immediately": "urgently", "citizens": "people", "demand": "call for", "deeply": "truly"}
FIRST = ["Ana", "Piotr", "Lea", "Omar", "Ines", "Jon", "Maria", "Tomas", "Sofia", "Lukas", "Emma", "Hugo", "Nora",
         "Felix", "Zoe", "Karim", "Elena", "Matteo", "Julia", "Aleksander", "Chloe", "Pablo", "Hanna", "Ivan"]
LAST = ["Souza", "Nowak", "Martin", "Haddad", "Costa", "Berg", "Rossi", "Novak", "Schmidt", "Dubois", "Horvat",
        "Jensen", "Kowalski", "Silva", "Moreau", "Fischer", "Popescu", "Virtanen", "Murphy", "Garcia"]
PLACES = ["Porto", "Gdansk", "Lyon", "Graz", "Braga", "Bergen", "Turin", "Brno", "Leipzig", "Nantes", "Split",
          "Aarhus", "Krakow", "Coimbra", "Lille", "Bremen", "Cluj", "Tampere", "Cork", "Valencia"]
JOBS = ["nurse", "teacher", "software developer", "parent", "retired judge", "student", "researcher", "lawyer",
        "police officer", "shop owner", "engineer", "doctor"]
CAMPAIGN_ASKS = ["I urge you to act immediately and adopt binding rules.",
                 "I strongly demand a moratorium until the risks are understood.",
                 "Citizens deserve a clear answer from the Commission on this.",
                 "Please put the rights of citizens before the interests of industry.",
                 "I demand that the final report reflects these concerns in full."]


def sentence(rng):
    s = rng.choice(OPENERS) + rng.choice(SUBJECTS) + " " + rng.choice(MODALS) + " " + rng.choice(VERBS) + " " \
        + rng.choice(ADJECTIVES) + " " + rng.choice(NOUNS) + rng.choice(TAILS) + "."
    return s[0].upper() + s[1:]


def person(rng):
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}", rng.choice(PLACES), rng.choice(JOBS)


def swap_synonyms(text, rng, p):
    words = text.split(" ")
    for i, w in enumerate(words):
        core = w.rstrip(".,")
        if core in SYNONYMS and rng.random() < p:
            words[i] = SYNONYMS[core] + w[len(core):]
    return " ".join(words)


def template(rng):
    return [sentence(rng) for _ in range(rng.randint(4, 8))] + [rng.choice(CAMPAIGN_ASKS)]


def member(tpl, rng):
    name, place, job = person(rng)
    body = list(tpl)
    body = [s for s in body if rng.random() >= 0.1] or body[:3]            # sentences dropped
    if len(body) < 3:
        body = list(tpl[:3])
    if rng.random() < 0.5:                                                   # sentences reordered
        rng.shuffle(body)
    if rng.random() < 0.3:                                                   # a personal sentence added
        body.insert(rng.randrange(len(body) + 1), sentence(rng))
    if rng.random() < 0.4:                                                   # a name or place in the body
        body.insert(rng.randrange(len(body) + 1), f"As a {job} from {place}, I care deeply about this.")
    text = " ".join(body)
    text = swap_synonyms(text, rng, 0.25)                                     # synonyms swapped
    greeting = rng.choice(["Dear Commissioner,", "Dear Sir or Madam,", "To the consultation team,", "Hello,", ""])
    intro = rng.choice([f"My name is {name} and I live in {place}.", f"I am {name} from {place}.",
                        f"I write as a {job} in {place}.", ""])
    sign = rng.choice([f"Sincerely, {name}, {place}", f"Regards, {name}", f"{name} ({place})", ""])
    return " ".join(p for p in [greeting, intro, text, sign] if p)


def independent(rng):
    name, place, job = person(rng)
    body = [sentence(rng) for _ in range(rng.randint(3, 8))]
    if rng.random() < 0.3:
        body.insert(0, f"I work as a {job} in {place}.")
    return " ".join(body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--campaigns", type=int, default=40)
    parser.add_argument("--independent", type=int, default=4000)
    parser.add_argument("--texts", type=int, default=0)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    items = []
    if args.texts:
        campaigns = max(1, args.texts // 3000)
        templates = [template(rng) for _ in range(campaigns)]
        for i in range(args.texts):
            if i % 3 == 0:
                c = rng.randrange(campaigns)
                items.append((f"t{i}", f"c{c}", member(templates[c], rng)))
            else:
                items.append((f"t{i}", f"t{i}", independent(rng)))
    else:
        for c in range(args.campaigns):
            tpl = template(rng)
            # Campaign sizes with a heavy tail: many small, a few large.
            size = min(600, int(5 / (rng.random() ** 0.9 + 0.01)))
            items += [(f"c{c}m{m}", f"c{c}", member(tpl, rng)) for m in range(max(5, size))]
        items += [(f"i{i}", f"i{i}", independent(rng)) for i in range(args.independent)]
        rng.shuffle(items)
    with open(args.out, "w") as out:
        for id_, label, text in items:
            out.write(json.dumps({"id": id_, "label": label, "text": text}) + "\n")


if __name__ == "__main__":
    main()
