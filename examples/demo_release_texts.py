"""The pages of the demo FOIA releases, written for this project.

People, counties and messages are invented; agencies, programs and FOIA
exemptions are the real ones the search engine has to recognise. Markup is
described in :class:`demo_releases.Page`.

>>> [r.filename for r in RELEASES]
['ICE_FOIA_2011_part1.pdf', 'ICE_FOIA_2011_part2.PDF', 'DEF_production_2011-07.pdf']
"""

from __future__ import annotations

from demo_releases import Page, Release

FOUO = "FOR OFFICIAL USE ONLY"
LES = "LAW ENFORCEMENT SENSITIVE // FOR OFFICIAL USE ONLY"
DELIBERATIVE = "DRAFT -- PRE-DECISIONAL / DELIBERATIVE"
SIGNATURE = [
    "Jonathan Whitaker",
    "Deputy Assistant Director, Secure Communities",
    "U.S. Immigration and Customs Enforcement",
    "Desk: {{(b)(6)}}  |  Mobile: {{(b)(6)}}",
]


def outlook(sender: str, sent: str, to: str, cc: str, subject: str) -> list[str]:
    """The header block Outlook prints above a message."""
    lines = [f"# From: {sender}", f"# Sent: {sent}", f"# To: {to}"]
    if cc:
        lines.append(f"# Cc: {cc}")
    return lines + [f"# Subject: {subject}", ""]


COVER_LETTER = Page([
    "## U.S. Department of Homeland Security",
    "## U.S. Immigration and Customs Enforcement",
    "# Freedom of Information Act Office",
    "500 12th Street SW, Stop 5009, Washington, DC 20536-5009",
    "",
    "April 8, 2011",
    "",
    "Sonia Whitlock, Esq.",
    "Counsel for the National Day Laborer Organizing Network",
    "Los Angeles, CA",
    "",
    "# RE: ICE FOIA Case Number 2010FOIA2674 -- Interim Release 2",
    "",
    "Dear Ms. Whitlock:",
    "",
    "This is the second interim response to your Freedom of Information Act (FOIA) request to U.S. Immigration "
    "and Customs Enforcement (ICE) for records about the Secure Communities program, including records on "
    "whether state and local jurisdictions may opt out of the program.",
    "",
    "ICE has reviewed 1,236 pages. This release consists of 14 pages, Bates numbered ICE2010FOIA2674.000101 "
    "through ICE2010FOIA2674.000114, sent as two files. Portions of these pages are withheld under the "
    "exemptions below; each withholding is marked on the page with the exemption that applies.",
    "",
    "FOIA Exemption 5, 5 U.S.C. § 552(b)(5), protects inter-agency and intra-agency records that are "
    "pre-decisional and deliberative. ICE withheld draft talking points and internal recommendations marked (b)(5).",
    "",
    "FOIA Exemption 6, 5 U.S.C. § 552(b)(6), protects information whose release would be a clearly unwarranted "
    "invasion of personal privacy. ICE withheld names, telephone numbers and e-mail addresses of employees and "
    "third parties, marked (b)(6).",
    "",
    "FOIA Exemption 7(C), 5 U.S.C. § 552(b)(7)(C), protects personal information in records compiled for law "
    "enforcement purposes. Names of law enforcement personnel are marked (b)(7)(C).",
    "",
    "FOIA Exemption 7(E), 5 U.S.C. § 552(b)(7)(E), protects techniques and procedures for law enforcement "
    "investigations, including system routing details and database query methods, marked (b)(7)(E).",
    "",
    "You may appeal this determination within 60 days of the date of this letter by writing to the Government "
    "Information Law Division, ICE Office of the Principal Legal Advisor, at the address above.",
    "",
    "Sincerely,",
    "",
    "Renata M. Oakes",
    "FOIA Officer",
])

PART1 = Release(
    filename="ICE_FOIA_2011_part1.pdf",
    title="ICE FOIA 2010FOIA2674 Interim Release 2, part 1 of 2",
    bates_prefix="ICE2010FOIA2674.",
    first_bates=101,
    pages=[
        COVER_LETTER,
        Page(outlook("Whitaker, Jonathan", "Tuesday, March 15, 2011 4:02 PM", "{{(b)(6),_(b)(7)(C)}}",
                     "Nguyen, Laura R; {{(b)(6)}}", "RE: Secure Communities opt-out") + [
            "{{(b)(6)}} -- we need one answer on this before Thursday's call with Alder County. The county's letter "
            "asks to opt out of Secure Communities. Since last fall our public line has been that a jurisdiction "
            "may decline to participate by writing to the state identification bureau and to ICE. ERO field "
            "staff are telling the sheriff's office something different.",
            "",
            "{{b5}}",
            "",
            "Please send me the current talking points and the deployment schedule for the counties still "
            "pending. I do not want a third version of the opt-out answer going out from the field offices.",
            "",
            *SIGNATURE,
            "",
            "-----Original Message-----",
            *outlook("{{(b)(6)}}", "Tuesday, March 15, 2011 1:37 PM", "Whitaker, Jonathan", "",
                     "Secure Communities opt-out"),
            "Jonathan, Alder County's Board of Supervisors voted last night to ask DHS to remove the county from "
            "Secure Communities. Their counsel is asking whether the state can be activated while one county "
            "stays out. The letter is attached. The sheriff has also asked whether his 287(g) agreement is "
            "affected. {{(b)(5)}}",
        ]),
        Page(outlook("Nguyen, Laura R", "Monday, March 14, 2011 5:51 PM", "Whitaker, Jonathan",
                     "{{(b)(6),_(b)(7)(C)}}", "FW: County request - Secure Communities") + [
            "Jonathan, background for tomorrow. Interoperability is switched on for a whole state at the "
            "identification bureau, not county by county. Once a state is activated, fingerprints taken at any "
            "booking station are checked against IDENT as well as the FBI's files. The query is routed through "
            "{{(b)_(7)(E)}} and the response goes to the LESC.",
            "",
            "So when a county says it wants to opt out, the realistic choices are (1) the county does not receive "
            "the IDENT response itself, or (2) the state asks us to delay activation for that county. Neither "
            "stops the fingerprints reaching DHS. {{b5}}",
            "",
            "ERO will still lodge detainers on matches in that county, as it does today through the criminal "
            "alien program. The detainer numbers for Alder County last year are in the attached table "
            "{{(b)_(7)(E)}}.",
            "",
            "Laura",
            "",
            "-----Original Message-----",
            *outlook("{{(b)(6)}}", "Monday, March 14, 2011 2:10 PM", "Nguyen, Laura R", "",
                     "County request - Secure Communities"),
            "Laura, the Alder County Sheriff's Office called again about the supervisors' letter. They want to "
            "know whether opting out means ICE stops seeing their bookings. I told them I would get an answer "
            "from headquarters. Contact at the sheriff's office: {{(b)(6),_(b)(7)(C)}}.",
        ]),
        Page(
            [
                "# Fwd: Sheriff's letter re Secure Communities",
                "2 messages",
                "",
                "Carol Denning <{{(b)(6)}}>\tWed, Mar 16, 2011 at 9:12 AM",
                "To: Jonathan Whitaker <{{(b)(6)}}>",
                "Cc: {{(b)(6)}}",
                "",
                "Jon -- forwarding the sheriff's letter as promised. He wants to know, in writing, whether the "
                "county can opt out of Secure Communities or whether the fingerprints will be shared with ICE "
                "anyway. He plans to read the answer aloud at the Board of Supervisors meeting on March 22.",
                "",
                "---------- Forwarded message ----------",
                "From: Office of the Sheriff, Alder County <{{(b)(6)}}>",
                "Date: Tue, Mar 15, 2011 at 3:48 PM",
                "Subject: Secure Communities",
                "To: Carol Denning <{{(b)(6)}}>",
                "",
                "> The Sheriff's Office has been told by ERO that participation in Secure Communities is "
                "mandatory once the state signs on, and by DHS headquarters that a county may opt out. Both "
                "cannot be true. We ask for a written answer before our board votes.",
                "",
                "[Quoted text hidden]",
                "",
                "Jonathan Whitaker <{{(b)(6)}}>\tWed, Mar 16, 2011 at 11:40 AM",
                "To: Carol Denning <{{(b)(6)}}>",
                "",
                "Carol, thanks. We will answer through the San Francisco field office so the sheriff hears one "
                "message. {{b5}} Please do not share the draft language yet.",
                "",
                "[Quoted text hidden]",
            ],
            header=("3/16/2011", "Gmail - Fwd: Sheriff's letter re Secure Communities"),
            footer="https://mail.google.com/mail/?ui=2&ik=4f1c2a9e07&view=pt&search=inbox&th=12ebf0c3d1a2b4e5      1 of 1",
        ),
        Page(
            [
                "## Secure Communities and 287(g): Detainer Procedures",
                "",
                "# Prepared by: Enforcement and Removal Operations (ERO), Secure Communities Program Management Office",
                "# Date: February 28, 2011",
                "",
                "1. Purpose. This note explains how detainers are issued when a jurisdiction participates in "
                "Secure Communities, has a 287(g) jail agreement, or both.",
                "",
                "2. Secure Communities. When a booking fingerprint matches a record in IDENT, the LESC sends an "
                "Immigration Alien Response to the ERO field office. The field office decides whether to lodge a "
                "detainer (Form I-247) with the sheriff's office. Priority levels are set by {{(b)_(7)(E)}}.",
                "",
                "3. 287(g) jail model. Designated officers of the sheriff's office may themselves interview "
                "arrestees and prepare detainers under ICE supervision. Their access to ICE systems is described "
                "in the memorandum of agreement {{(b)_(7)(E)}}.",
                "",
                "4. Detainer duration. A detainer asks the jail to hold the person for no more than 48 hours, "
                "excluding weekends and holidays, beyond the time the person would otherwise be released.",
                "",
                "5. Jurisdictions that ask to opt out. Field offices must not tell a sheriff's office that "
                "participation is voluntary or mandatory without headquarters-cleared language. {{(b)(5)}}",
                "",
                "6. Points of contact: {{(b)(6),_(b)(7)(C)}}, Secure Communities; {{(b)(6),_(b)(7)(C)}}, ERO Detention "
                "Management.",
            ],
            banner=LES,
        ),
        Page(
            [
                "## MEMORANDUM",
                "",
                "# MEMORANDUM FOR: Field Office Directors, Enforcement and Removal Operations",
                "# FROM: {{(b)(6),_(b)(7)(C)}}, Acting Director, Secure Communities",
                "# DATE: October 5, 2010",
                "# SUBJECT: Jurisdictions that ask not to participate in Secure Communities",
                "",
                "Several counties have asked whether they may opt out of Secure Communities. This memorandum sets "
                "out how field offices should answer until headquarters issues final guidance.",
                "",
                "1. Secure Communities is activated through the state identification bureau. A county that asks "
                "not to participate should be told to put its request in writing to the state and to ICE.",
                "",
                "2. A county that is not activated will not receive IDENT responses itself. Field offices should "
                "not say that the county's fingerprints will stop reaching DHS. {{(b)(5)}}",
                "",
                "3. Requests to opt out, and all replies, must be copied to the Secure Communities office the "
                "same day so that Congress and the press receive one consistent account.",
                "",
                "4. Questions about detainers and 287(g) agreements go to the ERO field office as before.",
                "",
                "Attachment: list of pending county requests {{(b)(5)}}",
            ],
            banner=FOUO,
            scanned=True,
        ),
        Page(
            [
                "## Secure Communities: Opt-Out Questions and Answers",
                "",
                "Q1. Can a county opt out of Secure Communities?",
                "A1. {{b5}}",
                "",
                "Q2. Is Secure Communities voluntary?",
                "A2. {{b5}}",
                "",
                "Q3. Will fingerprints from a county that opts out still be checked against DHS records?",
                "A3. Fingerprints are shared through the state identification bureau. {{b5}}",
                "",
                "Q4. Does opting out affect a sheriff's 287(g) agreement?",
                "A4. No. A 287(g) agreement is a separate memorandum of agreement between ICE and the sheriff's "
                "office and continues under its own terms.",
                "",
                "Q5. Will ICE still issue detainers in that county?",
                "A5. ERO will continue to lodge detainers where it identifies removable aliens in custody, as it "
                "did before Secure Communities. {{(b)(5)}}",
                "",
                "Q6. Who should the press be referred to?",
                "A6. ICE Office of Public Affairs, {{(b)(6)}}.",
            ],
            banner=DELIBERATIVE,
        ),
        Page(outlook("Nguyen, Laura R", "Friday, April 1, 2011 10:15 AM", "{{(b)(6)}}; Whitaker, Jonathan",
                     "ICE FOIA Office", "RE: NDLON FOIA - search for opt-out records") + [
            "All, the FOIA Office needs every record that discusses whether counties may opt out of Secure "
            "Communities, for the NDLON request. Please search e-mail, shared drives and any notes of calls "
            "with sheriff's offices from January 2009 forward, using the terms \"opt out\", \"opt-out\", "
            "\"voluntary\" and \"mandatory\".",
            "",
            "Send responsive records to the FOIA Office by April 6. Do not remove or edit anything; redactions "
            "for (b)(5), (b)(6), (b)(7)(C) and (b)(7)(E) are applied by the FOIA Office, not by program staff.",
            "",
            "Thanks,",
            "Laura",
            "",
            "Laura R. Nguyen",
            "Policy Advisor, Secure Communities",
            "U.S. Immigration and Customs Enforcement",
            "Desk: {{(b)(6)}}",
        ]),
    ],
)

PART2 = Release(
    filename="ICE_FOIA_2011_part2.PDF",
    title="ICE FOIA 2010FOIA2674 Interim Release 2, part 2 of 2",
    bates_prefix="ICE2010FOIA2674.",
    first_bates=109,
    pages=[
        Page(outlook("{{(b)(6),_(b)(7)(C)}}", "Tuesday, November 9, 2010 8:22 AM", "Whitaker, Jonathan",
                     "Nguyen, Laura R", "Illinois - suspension of Secure Communities") + [
            "Jonathan, the Illinois State Police told us yesterday that the Governor's office has directed them "
            "to suspend any further Secure Communities activations in the state while they review the program. "
            "Localities already activated stay on for now.",
            "",
            "They asked whether ICE would treat a full withdrawal by the state as possible under the current "
            "memorandum of agreement. {{(b)(5)}}",
            "",
            "ERO Chicago reports no change in detainer practice in the activated localities. I will keep a "
            "list of any sheriff's office that calls about opting out.",
        ]),
        Page(outlook("Whitaker, Jonathan", "Wednesday, March 9, 2011 6:04 PM", "{{(b)(6)}}",
                     "{{(b)(6),_(b)(7)(C)}}", "RE: Marlow County opt-out request") + [
            "Thanks. Please draft a reply to Marlow County that describes what happens if the county does not "
            "want to receive IDENT responses, and nothing more. {{b5}}",
            "",
            "We should also check whether the Marlow County Sheriff's Office still wants to renew its 287(g) "
            "agreement; the two requests arrived in the same week.",
            "",
            "-----Original Message-----",
            *outlook("{{(b)(6)}}", "Wednesday, March 9, 2011 3:30 PM", "Whitaker, Jonathan", "",
                     "Marlow County opt-out request"),
            "The Marlow County Board of Supervisors has written to DHS asking to opt out of Secure Communities. "
            "Their letter cites public safety concerns raised by the police chiefs of two cities in the county. "
            "Letter attached {{(b)(6)}}.",
        ]),
        Page(
            [
                "## Secure Communities Standard Operating Procedures (excerpt)",
                "",
                "# Section 4. Processing IDENT matches",
                "",
                "4.1 The LESC receives the IDENT response and forwards an Immigration Alien Response to the "
                "ERO field office responsible for the booking location {{(b)_(7)(E)}}.",
                "",
                "4.2 The field office reviews the response within {{(b)_(7)(E)}} hours and decides whether to "
                "lodge a detainer with the sheriff's office or jail.",
                "",
                "4.3 Level 1, 2 and 3 priorities are assigned according to {{(b)_(7)(E)}}.",
                "",
                "4.4 Where a jurisdiction has asked not to participate, the field office continues to receive "
                "responses through {{(b)_(7)(E)}}.",
            ],
            banner=LES,
        ),
        Page(
            [
                "",
                "",
                "",
                "## WITHHELD IN FULL",
                "",
                "## (b)(5)",
            ],
        ),
        Page(outlook("{{(b)(6)}}", "Monday, February 28, 2011 11:47 AM", "Nguyen, Laura R",
                     "{{(b)(6),_(b)(7)(C)}}", "287(g) MOA renewal and detainers - Marlow County") + [
            "Laura, the Marlow County Sheriff's Office has asked ERO whether renewing its 287(g) memorandum of "
            "agreement would be affected if the county opts out of Secure Communities. The sheriff wants to "
            "keep the jail model and is worried about the cost of holding people on detainers over weekends.",
            "",
            "ERO's view is that the two programs are separate. {{(b)(5)}}",
        ]),
        Page(outlook("{{(b)(6)}}", "Thursday, March 10, 2011 9:05 AM", "Whitaker, Jonathan",
                     "ICE Office of Public Affairs", "FW: Media inquiry - opt out") + [
            "A reporter is asking whether any county has successfully opted out of Secure Communities and, if "
            "not, why DHS told county boards that they could. She has copies of two letters from DHS to "
            "counties. {{b5}}",
            "",
            "Proposed response: Secure Communities is a federal information-sharing partnership between DHS and "
            "the FBI. {{(b)(5)}}",
        ]),
    ],
)

DEF = Release(
    filename="DEF_production_2011-07.pdf",
    title="Defendants' production, NDLON v. ICE, DEF-000101 to DEF-000106",
    bates_prefix="DEF-",
    first_bates=101,
    pages=[
        Page([
            "## U.S. Department of Homeland Security",
            "## Office of the General Counsel",
            "Washington, DC 20528",
            "",
            "July 15, 2011",
            "",
            "# Re: National Day Laborer Organizing Network, et al. v. U.S. Immigration and Customs Enforcement, et al.",
            "",
            "Counsel:",
            "",
            "Enclosed is Defendants' supplemental production of records about Secure Communities, Bates numbered "
            "DEF-000101 through DEF-000106, produced on behalf of DHS, ICE and the FBI.",
            "",
            "Information is withheld under 5 U.S.C. § 552(b)(5), (b)(6), (b)(7)(C) and (b)(7)(E). Each "
            "withholding is marked on the page. An index of the withholdings is at DEF-000105.",
            "",
            "Sincerely,",
            "",
            "Office of the General Counsel",
        ]),
        Page(outlook("{{(b)(6)}}", "Friday, July 15, 2011 10:12 AM", "{{(b)(6),_(b)(7)(C)}}",
                     "DHS Office of Intergovernmental Affairs", "Letters to counties on opting out") + [
            "Attached are the three letters DHS sent to county boards last year about opting out of Secure "
            "Communities. The letters say a county may decline to participate. The Secretary's office wants a "
            "short explanation of how that matches what ICE told the same counties. {{b5}}",
        ]),
        Page([
            "## Jurisdictions Requesting Information on Opting Out",
            "",
            "# County / State / Date of request / Contact / Status",
            "Alder County, CA / March 14, 2011 / {{(b)(6)}} / Pending",
            "Marlow County, CA / March 9, 2011 / {{(b)(6)}} / Pending",
            "Pine Ridge County, IL / November 8, 2010 / {{(b)(6)}} / State suspension",
            "Lake Fork County, WA / January 12, 2011 / {{(b)(6)}} / Not activated",
            "Crescent City PD (via county sheriff's office) / February 22, 2011 / {{(b)(6),_(b)(7)(C)}} / Closed",
        ], banner=FOUO),
        Page(outlook("Whitaker, Jonathan", "Monday, June 20, 2011 7:48 PM", "{{(b)(6)}}",
                     "Nguyen, Laura R", "RE: Congressional questions on opt-out") + [
            "Draft answers for the subcommittee are attached. Question 4 asks whether ICE misled local "
            "governments about opting out. {{(b)(5)}}",
            "",
            "We also need the number of detainers lodged in counties that asked to opt out. ERO can run it "
            "{{(b)_(7)(E)}}. b5 comments from OPLA are in the margin of the draft.",
        ]),
        Page([
            "## Index of Withholdings, DEF-000101 to DEF-000106",
            "",
            "# Bates / Exemption / Description",
            "DEF-000101 / none / Transmittal letter",
            "DEF-000102 / (b)(5), (b)(6), (b)(7)(C) / E-mail on DHS letters to counties; staff names",
            "DEF-000103 / (b)(6), (b)(7)(C) / Contact names of county and sheriff's office staff",
            "DEF-000104 / (b)(5), (b)(6), (b)(7)(E) / Draft congressional answers; query method",
            "DEF-000105 / none / This index",
            "DEF-000106 / (b)(6) / Certification; name of reviewing attorney",
            "",
            "Reviewed by: {{(b)(6)}}",
        ]),
        Page([
            "## Certification",
            "",
            "I certify that the records Bates numbered DEF-000101 through DEF-000106 were produced from the "
            "files of ICE, ERO and the Secure Communities Program Management Office in response to the "
            "plaintiffs' request for records about opting out of Secure Communities, and that each withholding "
            "under 5 U.S.C. § 552(b)(7)(E) or another exemption is marked on the page.",
            "",
            "Dated: July 15, 2011",
            "",
            "{{(b)(6)}}",
            "Government Information Law Division",
        ]),
    ],
)

RELEASES = [PART1, PART2, DEF]
