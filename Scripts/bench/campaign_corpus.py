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

OPENERS = ["", "", "I believe that ", "In my view, ", "We are concerned that ", "It is clear that ",
           "Evidence shows that ", "Frankly, ", "As a citizen I think ", "Our members agree that "]
SUBJECTS = ["neural data", "brain-computer interfaces", "consumer EEG headsets", "neurotechnology at work",
            "brain scans used as evidence", "deep brain stimulation", "memory detection tests",
            "AI decoding of brain signals", "neuromarketing", "cognitive enhancement devices",
            "implanted neural devices", "emotion recognition from brain activity", "lie detection by fMRI",
            "neurofeedback apps", "brain data brokers", "military uses of neurotechnology",
            "neural monitoring of drivers", "research on brain implants", "sleep tracking headbands",
            "attention monitoring in schools"]
PREDICATES = ["must be regulated to protect", "should be treated as a threat to", "cannot be left alone by",
              "poses serious risks to", "offers real benefits for", "needs independent oversight to protect",
              "threatens", "could greatly improve", "requires clear rules to safeguard", "should never undermine",
              "must respect", "is already harming", "will transform", "deserves public funding for",
              "must be banned where it endangers", "should be tested carefully against", "raises hard questions about",
              "must stay compatible with", "is overhyped when it comes to", "can support"]
OBJECTS = ["mental privacy", "freedom of thought", "the right to a fair trial", "patients with paralysis",
           "the autonomy of workers", "children and adolescents", "informed consent", "the presumption of innocence",
           "public health", "data protection law", "people with epilepsy", "personal identity",
           "the dignity of suspects", "medical research", "consumer trust", "the rule of law", "democratic debate",
           "the independence of judges", "people with depression", "equal access to care", "scientific integrity",
           "the privacy of our thoughts", "the mental health of students", "national security", "innovation in Europe"]
TAILS = ["", "", "", " in every member state", " before it is too late", " as the technology spreads",
         " according to recent studies", " in my experience", " without exception", " under the new framework",
         " in the coming decade", " for the next generation", " across the whole union", " at any cost",
         " in hospitals and courts"]
SYNONYMS = {"serious": "grave", "risks": "dangers", "benefits": "advantages", "regulated": "controlled",
            "clear": "precise", "rules": "regulations", "concerned": "worried", "believe": "think",
            "view": "opinion", "children": "minors", "workers": "employees", "patients": "sufferers",
            "independent": "impartial", "oversight": "supervision", "never": "not", "protect": "defend",
            "greatly": "significantly", "harming": "damaging", "banned": "prohibited", "carefully": "thoroughly",
            "transform": "change", "hard": "difficult", "public": "state", "respect": "honour", "must": "has to",
            "threat": "danger", "support": "help", "Frankly": "Honestly", "already": "even now", "real": "genuine",
            "urge": "ask", "strongly": "firmly", "immediately": "urgently", "citizens": "people", "demand": "call for"}
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
    s = rng.choice(OPENERS) + rng.choice(SUBJECTS) + " " + rng.choice(PREDICATES) + " " + rng.choice(OBJECTS) \
        + rng.choice(TAILS) + "."
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
    body = [s for s in body if rng.random() >= 0.15] or body[:3]           # sentences dropped
    if len(body) < 3:
        body = list(tpl[:3])
    if rng.random() < 0.5:                                                   # sentences reordered
        rng.shuffle(body)
    if rng.random() < 0.3:                                                   # a personal sentence added
        body.insert(rng.randrange(len(body) + 1), sentence(rng))
    if rng.random() < 0.4:                                                   # a name or place in the body
        body.insert(rng.randrange(len(body) + 1), f"As a {job} from {place}, I care deeply about this.")
    text = " ".join(body)
    text = swap_synonyms(text, rng, 0.35)                                     # synonyms swapped
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
