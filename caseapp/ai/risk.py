"""Offline risk indicators: rules over sentences, with negation, past and resolved risks handled.

A flag is raised for a person to review, with the sentence that raised it; nothing here clears a
flag. The vocabulary comes from UK safeguarding and casework practice, written as concepts
(several ways of saying each thing), not from any evaluation set's wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CATEGORIES: dict[str, str] = {
    "mental_health": "Mental health",
    "self_harm_suicide": "Self-harm or suicide",
    "safeguarding_child": "Child safeguarding",
    "safeguarding_adult": "Adult safeguarding",
    "domestic_abuse": "Domestic abuse",
    "housing": "Housing",
    "substance_misuse": "Substance misuse",
    "financial_hardship": "Financial hardship",
    "physical_health": "Physical health",
    "relationships": "Relationships",
    "offending_exploitation": "Offending or exploitation",
}

# Most serious first: lists and summaries must never drop these for something routine.
SEVERITY_ORDER = ["self_harm_suicide", "safeguarding_child", "safeguarding_adult",
                  "domestic_abuse", "offending_exploitation", "mental_health",
                  "substance_misuse", "housing", "physical_health", "financial_hardship",
                  "relationships"]

# Ages in brackets up to 17, "(7)", are how UK notes often mark a child.
_CHILD = (r"(?:child(?:ren)?|kids?|youngest|eldest|oldest|\((?:[0-9]|1[0-7])\)|son|daughter|"
          r"baby|babies|toddler|infant|newborn|"
          r"(?:step)?(?:son|daughter)|teen(?:ager)?|boy|girl|pupil|young person|under[- ]?18|"
          r"aged (?:[0-9]|1[0-7])\b|(?:[0-9]|1[0-7])[- ]years?[- ]old|school)")
_PARTNER = (r"(?:partner|ex[- ]?partner|ex|husband|ex[- ]?husband|wife|ex[- ]?wife|boyfriend|"
            r"ex[- ]?boyfriend|girlfriend|ex[- ]?girlfriend|spouse)")
_HARM = (r"(?:hit|hits|hitting|punch\w*|slap\w*|kick\w*|push\w*|shov\w*|strangl\w*|chok\w*|"
         r"grabb\w*|threat\w*|assault\w*|hurt\w*|beat\w*|attack\w*|abus\w*|intimidat\w*|"
         r"stalk\w*|harass\w*|control\w*|coerc\w*|smash\w*|throttl\w*|bruis\w*|injur\w*)")

# Each category: patterns that suggest the risk is present. Matched case-insensitively.
_PATTERNS: dict[str, list[str]] = {
    "self_harm_suicide": [
        r"\bs/h\b", r"urges? to (?:self[- ]harm|s/h|cut|hurt)",
        r"cut (?:his|her|their|my) (?:arms?|wrists?|thighs?|legs?|skin|stomach)",
        r"(?:thought|thinking|thoughts) (?:about|of) (?:driving|jumping|walking|stepping|"
        r"throwing (?:him|her|them)self) (?:off|into|in front)", r"off (?:a|the) (?:bridge|roof|"
        r"cliff|car park)", r"in front of (?:a|the) (?:train|bus|lorry)",
        r"suicid\w*", r"self[- ]?harm\w*", r"harm(?:ing)? (?:him|her|them)sel(?:f|ves)",
        r"hurt(?:ing)? (?:him|her|them|my)sel(?:f|ves)", r"\bcut(?:s|ting)? (?:him|her|them)sel",
        r"\bcutting\b", r"end (?:it all|(?:his|her|their|my) (?:own )?life)",
        r"take (?:his|her|their|my) (?:own )?life", r"kill(?:ing)? (?:him|her|them|my)sel",
        r"(?:not|n't|no longer) (?:want(?:ing)? to|wish(?:ing)? to) (?:be here|be alive|live|"
        r"wake up|go on)", r"better off (?:dead|without (?:me|him|her|them))",
        r"no (?:point|reason) (?:in )?(?:living|going on|carrying on)", r"ligature",
        r"(?:took|taken|taking) an overdose", r"overdosed", r"(?:intentional|deliberate) overdose",
        r"(?:plan|thoughts?|ideation) (?:of|about|to) (?:dying|ending)",
        r"wish(?:es|ed)? (?:he|she|they|I) (?:was|were) dead",
        r"stockpil\w* (?:tablets|pills|medication)", r"jump(?:ing)? (?:off|from|in front)",
    ],
    "mental_health": [
        r"\bmh\b", r"what'?s the point", r"(?:seems|seemed|appeared|became|becoming|more|very) "
        r"withdrawn", r"(?:can't|cannot|couldn't) face (?:anyone|people|going out|it)",
        r"depress\w*", r"low mood", r"mood (?:has been |is |was )?(?:very )?low", r"anxiety",
        r"panic attacks?", r"psychos\w*", r"psychotic", r"hearing voices", r"paranoi\w*",
        r"bipolar", r"schizo\w*", r"\bptsd\b", r"post[- ]traumatic", r"flashbacks?",
        r"nightmares", r"mental health (?:crisis|problems?|difficult\w*|condition|deteriorat\w*|"
        r"team|services?|needs?|assessment|support|worker|nurse|act)",
        r"\bcmht\b", r"crisis team", r"home treatment team", r"\bsectioned\b",
        r"antidepressants?", r"sertraline|fluoxetine|citalopram|mirtazapine|olanzapine|"
        r"quetiapine|diazepam|lithium", r"(?:can't|cannot|can not|unable to|struggling to) cope",
        r"not coping", r"overwhelmed", r"not (?:sleeping|eating)(?: properly| well)?",
        r"(?:hasn't|has not|haven't|have not) (?:been )?(?:left|leaving) the (?:house|flat|room)",
        r"hopeless\w*", r"eating disorder", r"anorexi\w*", r"bulimi\w*",
        r"\bocd\b", r"trauma\w*", r"talking therap\w*", r"\biapt\b", r"counsell?ing",
        r"emotional(?:ly)? (?:distress\w*|fragile|unwell)", r"breakdown",
        r"grief|griev\w*|bereave\w*",
    ],
    "safeguarding_child": [
        r"child protection", r"\bmash\b", r"section 47", r"\bs47\b", r"child in need",
        r"children'?s (?:social care|services|social work\w*)", r"\bcsc\b",
        r"early help", r"\bcse\b", r"child (?:sexual |criminal )?exploitation",
        rf"(?:neglect\w*|unkempt|hungry|dirty|unwashed|bruis\w*|injur\w*|mark(?:s)?|"
        rf"left alone|home alone|unsupervised|not (?:collected|fed)|missing from "
        rf"(?:home|school|care)|went missing|run(?:s)? away|ran away)\b[^.;]{{0,60}}\b{_CHILD}",
        rf"{_CHILD}\b[^.;]{{0,90}}\b(?:neglect\w*|unkempt|hungry|dirty|unwashed|bruis\w*|"
        rf"bull(?:y|ied|ying)|"
        rf"injur\w*|left alone|home alone|unsupervised|not (?:collected|fed)|frightened|"
        rf"scared|witness\w*|exposed to|disclos\w*|went missing|gone missing|missing "
        rf"(?:from|overnight|for)|self[- ]harm\w*|not attending|excluded|groom\w*)",
        rf"(?:in front of|witness\w* by|heard by|present|exposed)\b[^.;]{{0,40}}\b{_CHILD}",
        rf"(?:safeguarding|welfare) (?:concerns?|referral|lead|issue)\w*\b[^.;]{{0,60}}\b{_CHILD}",
        rf"{_CHILD}\b[^.;]{{0,60}}\b(?:safeguarding|welfare) (?:concerns?|referral|lead)",
        r"school'?s? (?:designated )?safeguarding lead", r"\bdsl\b",
        r"young carer", r"looked after child", r"\blac\b", r"care proceedings",
        r"\bsocial worker\b[^.;]{0,40}\b(?:child|children|family)",
    ],
    "safeguarding_adult": [
        r"safeguarding (?:enquir\w*|meeting|plan|strategy)", r"\basc\b", r"\bcapacity\b",
        r"(?:has|had|took|taking|using|kept|keeps|holds?) (?:his|her|their) (?:bank )?card",
        r"report\w* (?:him|her|them) missing", r"(?:gone|went) missing", r"missing person",
        r"(?:hasn't|has not|haven't) been (?:home|seen|heard from)",
        r"adult safeguarding", r"safeguarding adults?", r"adult social care",
        r"safeguarding (?:referral|alert|concern)\w*", r"vulnerable adult", r"adult at risk",
        r"(?:financial|financially) (?:abuse|abused|exploit\w*)", r"taking (?:his|her|their) money",
        r"cuckoo\w*", r"self[- ]neglect\w*", r"hoard\w*", r"forced marriage",
        # Self-neglect as notes describe it, rarely by that name.
        r"squalor|squalid", r"(?:flat|house|home|place|room)s? (?:is |was )?(?:an? )?(?:absolute )?"
        r"(?:tip|state|filthy|mess|pigsty)\b", r"poor (?:personal )?(?:hygiene|self[- ]care)",
        r"(?:not|isn't|hasn't been) (?:washing|eating|looking after (?:him|her|them)sel)",
        r"\b(?:stinks|smell(?:s|ed)? (?:of urine|strongly))\b", r"unkempt",
        r"modern slavery", r"traffick\w*", r"\bnrm\b", r"national referral mechanism",
        r"care and support needs", r"section 42", r"\bs42\b", r"mental capacity",
        r"lacks? capacity", r"exploit\w*", r"coerc\w* (?:into|to)", r"targeted by",
        r"(?:being|been) (?:used|taken advantage of)", r"mate crime", r"scam\w*",
        r"(?:assaulted|attacked|robbed|mugged|beaten up)",
        r"unsafe (?:at home|where (?:he|she|they) (?:is|are) (?:living|staying))",
        r"(?:carer|landlord|neighbour|friend|relative|family member)s? (?:is |are |was |were )?"
        r"(?:taking|keeping|withholding) (?:his|her|their) (?:money|benefits|bank card|passport)",
    ],
    "domestic_abuse": [
        r"(?:smash\w*|broke|destroy\w*) (?:my|her|his|the) (?:phone|door|window|things)",
        r"domestic (?:abuse|violence)", r"\bdv\b", r"\bdash\b", r"\bmarac\b", r"\bidva\b",
        r"\bisva\b", r"refuge\b", r"non[- ]molestation", r"occupation order", r"coercive control",
        r"controlling (?:behaviour|relationship)", r"forced marriage", r"honour[- ]based",
        r"sanctuary scheme", r"clare'?s law", r"\bdvpn\b|\bdvpo\b",
        rf"{_PARTNER}\b[^.;]{{0,50}}\b{_HARM}", rf"{_HARM}\b[^.;]{{0,40}}\bby (?:his|her|their|my) "
        rf"{_PARTNER}",
        rf"(?:afraid|frightened|scared|terrified) of (?:him|her|them|(?:his|her|their|my) "
        rf"{_PARTNER})", rf"{_PARTNER}\b[^.;]{{0,60}}\b(?:turn(?:s|ed|ing)? up|won't leave|"
        rf"keeps? (?:calling|messaging|texting)|followed|tracking|checks? (?:her|his) phone|"
        rf"takes? (?:her|his) (?:money|phone)|won't let (?:her|him))",
    ],
    "housing": [
        r"(?:has|have|needs?|told (?:him|her|them)) to (?:be out|leave|move out)",
        r"\bbe out (?:of|by)\b", r"(?:sleep(?:ing|s)?|slept) (?:rough|in|at|on|under) (?:a |the |"
        r"his |her |their )?(?:car|park|tent|doorway|street|(?:train |bus )?station|stairwell|"
        r"van|garage|bench|bridge)", r"sleeping bags?", r"\btent\b", r"\bta\b", r"(?:in|to|at|"
        r"into) (?:a|the) hotel", r"one room for", r"no (?:cooking|washing) facilities",
        r"move[- ]on (?:period|date)", r"asylum (?:support|accommodation)",
        r"home office accommodation", r"housing (?:register|application|officer|association)",
        r"rehous\w*", r"hoard\w*", r"(?:boiler|heating)\b[^.;]{0,30}\b(?:not (?:work|been "
        r"working)|broken|stopped working|doesn't work)", r"hasn't (?:got|had) (?:a|any) "
        r"(?:heating|hot water)",
        r"evict\w*", r"section (?:21|8)\b", r"\bs21\b", r"\bs8\b", r"notice to quit",
        r"notice (?:of|seeking) possession", r"possession (?:order|claim|hearing|proceedings)",
        r"homeless\w*", r"rough[- ]?sleep\w*", r"sleep(?:ing|s|t)? (?:rough|in (?:a|the|his|her|"
        r"their)? ?(?:car|park|tent|doorway|street|station|stairwell|van|garage))",
        r"sofa[- ]?surf\w*", r"no fixed (?:abode|address)", r"nowhere (?:to|else to) (?:stay|"
        r"live|go|sleep)", r"temporary accommodation", r"\bb ?& ?b\b", r"hostel",
        r"emergency accommodation", r"night shelter", r"(?:rent|rental) arrears",
        r"arrears (?:on|with) (?:the |her |his |their )?rent", r"behind (?:on|with) (?:the |her "
        r"|his |their )?rent", r"disrepair", r"\bdamp\b", r"\bmou?ld\b", r"overcrowd\w*",
        r"unsafe (?:housing|accommodation|property)", r"(?:changed|change) the locks",
        r"locked (?:him|her|them) out", r"illegal(?:ly)? evict\w*", r"unlawful(?:ly)? evict\w*",
        r"tenancy (?:at risk|breakdown|ending|ends|enforcement|relations)",
        r"housing options", r"duty to refer", r"prevention duty", r"relief duty",
        r"(?:lose|losing|lost) (?:his|her|their|the) (?:home|flat|house|tenancy)",
        r"kicked out", r"thrown out", r"asked (?:him|her|them) to leave",
        r"landlord\b[^.;]{0,50}\b(?:harass\w*|threat\w*|lock\w*|turn\w* up|enter\w*)",
        r"(?:leave|vacate) the (?:property|flat|house)", r"bailiffs?\b[^.;]{0,30}\b(?:evict|"
        r"possession|property)",
    ],
    "substance_misuse": [
        r"(?:stink\w*|smell\w*|reek\w*) of (?:drink|alcohol|booze|cannabis|weed)",
        r"(?:still|been|started|starts|keeps?|is|was) drinking", r"drinking (?:again|for the "
        r"first time)", r"drinks?\b[^.;]{0,30}\bcans?\b", r"cans? a (?:day|night)",
        r"off (?:his|her|their) (?:face|head)", r"(?:risk|dangers?) of overdose",
        r"alcohol\w*", r"drink(?:ing|s)? (?:heavily|a lot|more|again|every day|daily|most "
        r"(?:days|nights)|to cope)", r"heavy drink\w*", r"drunk", r"intoxicated", r"hungover",
        r"(?:bottle|bottles|cans?) of (?:wine|vodka|cider|beer|spirits)", r"\bunits\b",
        r"drugs?\b", r"heroin", r"crack", r"cocaine", r"\bcoke\b", r"cannabis", r"weed\b",
        r"\bspice\b", r"ketamine", r"mdma|ecstasy", r"amphetamine\w*", r"\bspeed\b",
        r"benzo\w*", r"methadone", r"buprenorphine|subutex", r"opiate\w*|opioid\w*",
        r"substance\w*", r"relaps(?:e|ed|es)\b(?!-)", r"using again", r"detox\w*", r"rehab\w*",
        r"needle\w*", r"inject\w*", r"naloxone", r"withdrawal\w*",
        r"(?:drug|alcohol|substance misuse) (?:and alcohol )?(?:recovery )?(?:service|worker|team)",
        r"\baa\b|\bna\b meeting",
        r"smell(?:ed|ing|s)? of (?:alcohol|cannabis|drink)",
    ],
    "financial_hardship": [
        r"overdraft", r"emergency credit", r"sitting in the dark", r"(?:only|barely) (?:puts?|"
        r"put|has|have) the heating on", r"\bdmp\b", r"debt management plan",
        r"advance (?:payment|requested|loan)", r"(?:keeps|kept|took|takes|has|holds?) (?:her|"
        r"his|their) bank card",
        r"\bdebts?\b", r"in debt", r"(?:council tax|energy|gas|electric\w*|water|utility|"
        r"phone|credit card|loan) arrears", r"arrears", r"food ?bank", r"food parcel",
        r"(?:no|little|not enough) money", r"(?:can't|cannot|couldn't|unable to) afford",
        r"run(?:s|ning)? out of (?:money|food|credit|gas|electric\w*)", r"ran out of (?:money|"
        r"food|credit|gas|electric\w*)", r"sanction\w*", r"benefits? (?:stopped|suspended|"
        r"cut|delayed|sanction\w*|reduced)", r"(?:universal credit|\buc\b|pip|esa|jsa|housing "
        r"benefit)\b[^.;]{0,40}\b(?:stopped|suspended|cut|delayed|reduced|deduct\w*|"
        r"overpayment)", r"overpayment", r"deduct\w*", r"advance payment", r"hardship (?:fund|"
        r"payment|grant)", r"household support fund", r"crisis (?:loan|grant|support)",
        r"\bdhp\b", r"discretionary housing payment", r"bailiff\w*", r"enforcement agent\w*",
        r"payday loan", r"loan shark", r"skipp\w* meals", r"going without", r"(?:no|empty) "
        r"(?:food|cupboards|fridge)", r"cupboards (?:were |are )?(?:bare|empty)",
        r"(?:can't|cannot|unable to) (?:heat|top up)", r"(?:no|without) (?:gas|electric\w*|"
        r"heating|credit)", r"prepayment meter", r"fuel (?:poverty|voucher)",
        r"debt advice", r"citizens advice", r"stepchange", r"\biva\b|debt relief order|\bdro\b",
        r"no income", r"(?:lost|losing) (?:his|her|their) job", r"\bpawn\w*",
    ],
    "physical_health": [
        r"cough\w*", r"swollen", r"\bsore\b", r"\brash\b", r"fever", r"vomit\w*", r"bleed\w*",
        r"(?:knee|hip|back|leg|chest|foot|feet|shoulder|ankle|wrist)\b[^.;]{0,25}\b(?:worse|"
        r"pain|injur\w*|problem|swollen|sore|broken)", r"replacement (?:op|operation)",
        r"(?:nurse|district nurse|\bdn\b) (?:visit\w*|appointment)",
        r"diagnos\w*", r"hospital\w*", r"\ba ?& ?e\b", r"injur\w*", r"\bpain\w*", r"diabet\w*",
        r"cancer", r"chemo\w*", r"tumou?r", r"stroke", r"heart (?:attack|condition|problem\w*|"
        r"failure)", r"\bcopd\b", r"asthma", r"epilep\w*", r"seizure\w*", r"mobility",
        r"wheelchair", r"(?:a |had a |has had a )fall\b", r"fell\b", r"infect\w*", r"wound\w*",
        r"ulcer\w*", r"\bms\b", r"multiple sclerosis", r"arthritis", r"disabilit\w*",
        r"chronic", r"unwell", r"\bill\b", r"illness", r"medication", r"prescription",
        r"prescribed (?:\w+ )?(?:medication|tablets|pills|antibiotics|inhalers?|painkillers)",
        r"(?:had|having|needs|awaiting|after|recovering from) (?:an? |(?:his|her|their) )?"
        r"(?:surgery|operation)", r"malnourish\w*", r"weight loss", r"losing weight",
        r"pregnan\w*", r"dizz\w*", r"faint\w*", r"breathless\w*", r"\bcut above\b|"
        r"cut (?:on|to) (?:his|her|their) (?:head|face|eye|arm|hand)", r"stitches",
        r"dental|tooth|teeth", r"hepatitis|\bhiv\b", r"blood pressure", r"physio\w*",
    ],
    "relationships": [
        r"pressure from (?:his|her|their) (?:parents|family|mum|dad|mother|father)",
        r"arranged (?:for (?:him|her|them) to marry|(?:a )?marriage)",
        r"(?:problems|difficult\w*|tense|tension|hard|long|bad|rough) (?:at home|with (?:his|her|"
        r"their) (?:mum|dad|step\w*|parents|family|partner|wife|husband))",
        r"at home\b[^.;]{0,20}\b(?:tense|difficult|hard|bad|long|rough)",
        r"(?:step-?dad|step-?mum|stepfather|stepmother|dad|father|mum|mother|brother|sister|"
        r"uncle|nephew|son|daughter)\b[^.;]{0,30}\b(?:hit|hits|punch\w*|slap\w*|kick\w*|"
        r"push\w*|threat\w*|assault\w*|abus\w*|rude|aggressive)",
        r"(?:wife|husband|partner)\b[^.;]{0,30}\b(?:angry|furious|"
        r"walked out|left (?:him|her))",
        r"relationship (?:breakdown|broke down|ended|ending|problems?|difficult\w*|has ended)",
        r"(?:split|broke|broken) up", r"separat(?:ed|ion)", r"divorc\w*",
        r"isolat\w*", r"lonel\w*", r"estrang\w*", r"no (?:family|friends|support network|one "
        r"to talk to)", r"(?:row|rows|argument|arguments|arguing|falling out|fell out|tension|"
        r"conflict)\b[^.;]{0,40}\b(?:with|at home|between|family|mum|dad|mother|father|partner|"
        r"brother|sister|parents)", r"(?:mum|dad|mother|father|parents|family)\b[^.;]{0,40}\b"
        r"(?:asked|told|wants?) (?:him|her|them) (?:out|to leave)", r"contact (?:with|arrangements"
        r" for) (?:the |his |her |their )?(?:children|kids)", r"custody",
    ],
    "offending_exploitation": [
        r"older (?:lads|men|boys|males|guys)", r"hanging (?:around|about|out) with",
        r"(?:report\w* (?:him|her|them) missing|went missing|gone missing)",
        r"county lines", r"criminal exploitation", r"\bcce\b", r"arrest\w*", r"charged",
        r"police custody", r"in custody", r"court (?:date|case|appearance|hearing)\b(?!.*"
        r"possession)", r"magistrates", r"crown court", r"probation", r"youth offending",
        r"\byot\b", r"released under investigation", r"\brui\b", r"on bail", r"bail conditions",
        r"prison", r"\bhmp\b", r"convict\w*", r"sentenc\w*", r"offend\w*(?! manager)", r"gang\w*",
        r"(?:running|dealing|carrying|selling|holding) (?:drugs|packages|for)", r"drug debt",
        r"\bnrm\b", r"national referral mechanism", r"groom\w*", r"traffick\w*",
        r"modern slavery", r"cuckoo\w*", r"exploit\w*", r"(?:stolen|theft|shoplift\w*|"
        r"burglar\w*|robbery|criminal damage|possession with intent)", r"tag(?:ged)?\b[^.;]{0,20}"
        r"curfew|curfew", r"weapon\w*|knife|knives",
    ],
}

# Cues before a match (in the same clause) that say it is absent, past or over.
_NEGATION_BEFORE = re.compile(
    r"\b(?:no|not|never|nor|without|denie[sd]|deny(?:ing)?|den(?:y|ies) any|negative for|"
    r"free (?:of|from)|ruled out|nothing to suggest|no (?:evidence|sign|signs|indication|"
    r"concerns?|history|reports?|current)|none|n't|neither|absence of|no longer)\b"
    r"[^.;:!?]{0,45}$", re.I)
_NEGATION_AFTER = re.compile(
    r"^[^.;:!?]{0,30}\b(?:ruled out|denied|not (?:present|an issue|a concern|indicated)|"
    r"(?:has been |was |is )?(?:resolved|sorted|cleared|paid off|withdrawn|dropped|"
    r"no longer (?:an issue|a concern|a problem))|(?:were|was) identified: none|none "
    r"(?:identified|reported|disclosed)|(?:has|have|had|reported|said|says)\b[^.;]{0,20}\bnone|"
    r"(?:much |a lot |a bit |slightly )?(?:better|improv\w*|heal(?:ed|ing)|recovered|"
    r"cleared up))\b", re.I)
_PAST = re.compile(
    r"\b(?:previously|in the past|used to|historic(?:al)?(?:ly)?|years ago|as a (?:child|"
    r"teenager)|when (?:he|she|they) (?:was|were) younger|last year,? but|former(?:ly)?|"
    r"had been (?:sober|clean)|(?:sober|clean|abstinent) (?:for|since)|now (?:housed|"
    r"settled|resolved|safe|paid|clear)|stopped (?:drinking|using)|no longer|back in the day|"
    r"long ago|history|(?:have|has|had) stopped(?! (?:her|him|them|me|you)\b)|"
    r"when (?:he|she|they|I) (?:was|were) (?:\d{1,2}|a (?:child|teenager|teen))|"
    r"(?:drug|alcohol|substance|drink)[- ]free|at (?:the )?age (?:of )?\d{1,2})\b", re.I)
_CONDITIONAL = re.compile(
    r"\b(?:if|in case|should (?:he|she|they|anything)|knows? (?:to|how to)|information (?:on|"
    r"about)|leaflets? (?:on|about)|signpost\w*|advised (?:to|on|about)|explained|"
    r"to prevent|prevent(?:ing)?|avoid(?:ing)?|so that (?:he|she|they) (?:do|does) not)\b"
    r"[^.;:!?]{0,40}$", re.I)

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“(])|\n+")
_CLAUSE_SPLIT = re.compile(
    r"[;:]|,\s*(?:but|however|although|though|whereas|so|and so)\b|\bbut\b|\bhowever\b", re.I)
# Someone else's offending (a perpetrator's arrest) is not the person's own.
_THIRD_PARTY = re.compile(rf"\b(?:{_PARTNER}|perpetrator|abuser)\b", re.I)
# In a pattern with a gap ("children ... concerns"), a negation inside the gap negates it.
_NEGATION_INSIDE = re.compile(r"\b(?:no|without|never|denie[sd])\b", re.I)

_COMPILED = {cat: [(re.compile(p, re.I), "[^.;]" in p) for p in pats]
             for cat, pats in _PATTERNS.items()}
# One search per category rules most sentences out before the patterns are tried one by one
# (with the context checks): about 20 times faster over a case's notes.
_ANY = {cat: re.compile("|".join(f"(?:{p})" for p in pats), re.I) for cat, pats in _PATTERNS.items()}
# A flag that clinically implies another (self-harm is a mental health need as well).
_IMPLIES = {"self_harm_suicide": "mental_health"}


@dataclass(frozen=True)
class RiskFlag:
    category: str
    label: str
    sentence: str
    matched: str


def sentences(text: str) -> list[str]:
    """Split a note into sentences (markdown bullets and line breaks count as boundaries)."""
    parts = []
    for chunk in _SENTENCE_SPLIT.split(text or ""):
        chunk = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", chunk).strip(" *_#>\t")
        if len(chunk) > 2:
            parts.append(chunk)
    return parts


def _clause_around(sentence: str, start: int, end: int) -> tuple[str, str]:
    """The text before and after a match, within its clause."""
    bounds = [0] + [m.end() for m in _CLAUSE_SPLIT.finditer(sentence)] + [len(sentence) + 1]
    left = max(b for b in bounds if b <= start)
    right_candidates = [m.start() for m in _CLAUSE_SPLIT.finditer(sentence) if m.start() >= end]
    right = min(right_candidates) if right_candidates else len(sentence)
    return sentence[left:start], sentence[end:right]


def _present(category: str, sentence: str, match: re.Match[str], gapped: bool) -> bool:
    before, after = _clause_around(sentence, match.start(), match.end())
    if _NEGATION_BEFORE.search(before) or _NEGATION_AFTER.search(after):
        return False
    if gapped and _NEGATION_INSIDE.search(match.group(0)):
        return False
    if category == "offending_exploitation" and _THIRD_PARTY.search(before + match.group(0)):
        return False
    clause = before + match.group(0) + after
    if _PAST.search(clause):
        return False
    return not _CONDITIONAL.search(before)


def flags_for_text(text: str) -> list[RiskFlag]:
    """Every category present in a note, once, with the first sentence that raised it."""
    found: dict[str, RiskFlag] = {}
    for sentence in sentences(text):
        for category, patterns in _COMPILED.items():
            if category in found or not _ANY[category].search(sentence):
                continue
            for pattern, gapped in patterns:
                hit = next((m for m in pattern.finditer(sentence)
                            if _present(category, sentence, m, gapped)), None)
                if hit is not None:
                    found[category] = RiskFlag(category, CATEGORIES[category], sentence,
                                               hit.group(0))
                    break
    for cause, implied in _IMPLIES.items():
        if cause in found and implied not in found:
            flag = found[cause]
            found[implied] = RiskFlag(implied, CATEGORIES[implied], flag.sentence, flag.matched)
    return [found[c] for c in CATEGORIES if c in found]


def categories_for_text(text: str) -> set[str]:
    return {f.category for f in flags_for_text(text)}
