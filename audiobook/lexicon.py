"""Word lists names and speech are read by: titles, speech verbs, kin words."""

from __future__ import annotations

import re

MALE_TITLES = ("mr", "sir", "lord", "master", "father", "uncle", "king", "prince", "duke",
               "count", "baron", "brother", "monsieur", "herr", "señor", "signor")
FEMALE_TITLES = ("mrs", "miss", "ms", "lady", "madam", "madame", "mother", "aunt", "queen",
                 "princess", "duchess", "countess", "sister", "mademoiselle", "mme", "mlle")
NEUTRAL_TITLES = ("dr", "doctor", "captain", "general", "commander", "colonel", "major",
                  "professor", "inspector", "sergeant", "lieutenant", "admiral", "judge",
                  "officer", "detective", "agent", "president", "reverend", "rev", "st")
TITLES = MALE_TITLES + FEMALE_TITLES + NEUTRAL_TITLES
ARTICLES = ("the", "a", "an")

SPEECH_VERBS = frozenset("""
    said says say saying asked asks ask replied replies reply answered answers answer cried
    cries shouted shouts yelled yells screamed whispered whispers murmured murmurs muttered
    mutters called calls exclaimed exclaims added adds continued continues went began begins
    repeated repeats returned returns responded responds remarked remarks observed observes
    told tells insisted insists suggested suggests agreed agrees demanded demands inquired
    enquired inquires enquires urged pleaded begged protested objected interrupted interrupts
    announced declared explained explains admitted confessed snapped snarled growled hissed
    barked grumbled groaned sighed laughed chuckled giggled sobbed wailed moaned breathed
    gasped stammered stuttered whimpered squeaked shrieked roared bellowed thundered called
    countered retorted rejoined resumed concluded assented answered persisted ventured
    echoed corrected warned promised offered announced mused wondered thought thinks
    drawled purred crooned sang sneered scoffed teased joked quipped reasoned argued
    complained cautioned conceded acknowledged noted pointed stated commented choked
    spat blurted called mumbled grunted huffed panted rasped croaked lied guessed prompted
    reminded assured replied explained spoke speaks ejaculated pursued interposed faltered
    remonstrated expostulated bawled screeched interjected implored hazarded reiterated
    addressed
""".split())

TITLE_RE = "|".join(t.capitalize() for t in sorted(TITLES, key=len, reverse=True))
UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
LOWER = "a-z\u00df-\u00f6\u00f8-\u00ff"
NAME_WORD = rf"[{UPPER}][{LOWER}]+(?:[{UPPER}][{LOWER}]+)?(?:[-'\u2019][{UPPER}]?[{LOWER}]+)*"
"""A capitalised word of a name: `Ada`, `Zoë`, `McChesney`, `O'Hara`, `Jean-Luc`."""
NAME_PATTERN = (
    rf"(?:[Tt]he\s+)?(?:(?:{TITLE_RE})\.?\s+)?{NAME_WORD}"
    rf"(?:\s+(?:[{UPPER}]\.\s*)?{NAME_WORD})?"
)
# A title of rank or office alone after the article names someone too (`the count`,
# `the Duchess`); kin words and forms of address do not (`the father`, `the lady`).
RANKS = ("king", "queen", "prince", "princess", "duke", "duchess", "count", "countess",
         "baron", "doctor", "captain", "general", "commander", "colonel", "major",
         "professor", "inspector", "sergeant", "lieutenant", "admiral", "judge", "officer",
         "detective", "agent", "president", "reverend")
_TITLE_ALONE = r"[Tt]he\s+(?:" + "|".join(sorted(RANKS, key=len, reverse=True)) + r")(?!\w)"
SPEECH_VERB_RE = "|".join(sorted(SPEECH_VERBS, key=len, reverse=True))
_VERB = rf"(?:{SPEECH_VERB_RE})"
TAG_AFTER = re.compile(rf"^[\s,\u2014-]*(?:{_VERB})\s+({NAME_PATTERN}|{_TITLE_ALONE})\b")
TAG_BEFORE = re.compile(rf"({NAME_PATTERN}|{_TITLE_ALONE})\s+(?:\w+ly\s+)?(?:{_VERB})\b")

# Capitalized words that are not names even when they stand next to a speech verb.
FUNCTION_WORDS = frozenset("""
    I He She It They We You Me Him Us Them The A An And But Or Nor If Then This That These
    Those There Here Why What Who Whom Whose Where When How Which His Her Hers Their Our My
    Your Its Not Now So Yet As At By For From In Into Of On To With Upon After Before While
    Once Is Are Was Were Be Been Am Do Did Does Would Should Could Might Must Shall Let
""".split())
"""Closed-class words, never a name; other capitalised words are judged by how the text
uses them (`Will`, `Rose` and `May` are names too)."""
STOPWORDS = frozenset("""
    I He She It They We You The A An And But Or If Then This That These Those There Here
    Yes No Oh Ah Well Why What Who Whom Whose Where When How His Her Their Our My Your
    Its Not Now So Still Yet Just Only Even As At By For From In Into Of On To With
    Upon After Before While Once Again Perhaps Indeed Nothing Something Everyone Someone
    Nobody Everybody Anybody Somebody God Lord Sir Madam Chapter Mother Father Mama Papa
    Mr Mrs Miss Ms Dr Come Go Let Don Do Did Does Is Are Was Were Be Been Will Would Shall
    Should Can Could May Might Must O Good Dear Very Quite Thank Thanks Please Hello Goodbye
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
    June July August September October November December Mrs Christmas English French
""".split())
UNMARRIED_TITLES = ("miss", "mademoiselle", "mlle")
MALE_NOUNS = ("man", "gentleman", "boy", "lad", "fellow", "husband", "father", "son",
               "brother", "uncle", "nephew", "king", "prince", "lord", "gentlemen")
FEMALE_NOUNS = ("woman", "lady", "girl", "lass", "wife", "mother", "daughter", "sister",
                 "aunt", "niece", "queen", "princess", "maid", "widow")
KIN_GENDER = {"wife": "female", "mother": "female", "sister": "female", "daughter": "female",
               "aunt": "female", "niece": "female", "lady": "female",
               "husband": "male", "father": "male", "brother": "male", "son": "male",
               "uncle": "male", "nephew": "male"}
MARRIED_TITLES = {"mrs", "lady", "madame", "mme"}
"""Titles of a married woman: a wife or mother goes by her husband's name with one."""
DETERMINERS = ("his", "her", "their", "my", "our", "your")
RANK_TITLES = {"dr": "doctor", "doctor": "doctor", "count": "count", "countess": "countess",
                "baron": "baron", "duke": "duke", "duchess": "duchess", "king": "king",
                "queen": "queen", "prince": "prince", "princess": "princess",
                "captain": "captain", "commander": "commander", "colonel": "colonel",
                "professor": "professor", "inspector": "inspector", "sergeant": "sergeant",
                "lieutenant": "lieutenant", "admiral": "admiral", "judge": "judge",
                "detective": "detective", "lord": "lord"}
"""Titles that also name their bearer as `the <title>` (`the Count` for Count Orlov);
not Mr. or Miss, nor words that are common nouns too (`the general`, `the major`)."""
ADDRESS_WORDS = frozenset(("sir", "madam", "madame", "ma'am", "miss", "mister", "mistress"))
"""Words anyone is called by (`my dear Sir`): as a vocative, never a character's name."""
