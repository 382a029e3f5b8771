"""Build writer t1's five training documents (ministerial meetings, action packages,
follow-up structure, relation to other regional processes).

    /work/main/.venv/bin/python training/build_t1.py

All text lives in this script; it writes training/corpus/t1-*.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from docx.shared import Pt
from fpdf import FPDF
from fpdf.fonts import FontFace

OUT = Path(__file__).resolve().parent / "corpus"

# ---------------------------------------------------------------------------
# 1. Markdown: timeline of the ministerial meetings
# ---------------------------------------------------------------------------

MD = """---
title: "From Lima to Guatemala City: the Los Angeles Declaration ministerial meetings, 2022-2024"
date: 2024-06-24
---

# From Lima to Guatemala City: the ministerial meetings of the Los Angeles Declaration

The Los Angeles Declaration on Migration and Protection was adopted on 10 June 2022, the last
day of the Ninth Summit of the Americas. A declaration signed by heads of state says little about
who does the work afterwards, so the endorsing governments agreed to meet regularly at the level
of foreign ministers. Three such ministerial meetings took place in the Declaration's first two
years: in Lima, in Washington, D.C., and in Guatemala City. This note sets out what each one
decided, who attended and which figures were announced, because the three are easily confused
with each other and with other gatherings held in the same cities.

## The three ministerials at a glance

| Meeting | Date | City and venue | Host or co-hosts | Endorsing countries cited | Headline U.S. figure |
|---|---|---|---|---|---|
| First ministerial | 6 October 2022 | Lima, Peru, on the margins of the 52nd OAS General Assembly | Peru | 21 | over $240 million (State Department) |
| Second ministerial | 23 June 2023 | Washington, D.C., World Bank headquarters | United States and Belize | 21 | no single headline figure; climate displacement was the theme |
| Third ministerial | 7 May 2024 | Guatemala City, National Palace of Culture | Guatemala | 21 in the U.S. fact sheet; 22 in press reports | $578 million |

The Lima and Guatemala figures are announcements by the United States alone. They are not
totals pledged by all endorsing countries, and they should not be added to the national
commitments that other governments presented at the same meetings.

## 1. Lima, 6 October 2022: launching implementation

The first ministerial was held in Lima while foreign ministers were already in town for the
General Assembly of the Organization of American States. Its job was to turn the Declaration
into a work plan.

1. **Endorsing the implementation plan.** Ministers approved the plan drafted by the Special
   Coordinators at their inaugural meeting in Washington earlier in 2022.
   - The plan groups the work into eleven *action packages* under the Declaration's pillars.
   - Each package is run by an Action Package Committee with one or two lead countries.
   - Every endorsing country undertook to sit on at least one committee.
2. **Confirming committee leads.** The joint statement named the leads, among them:
   - Chile for integration and support for host communities;
   - Colombia for temporary protection and regularisation;
   - Ecuador for international financing for migrant-hosting countries;
   - Mexico for labour mobility, and Canada for investing in asylum systems;
   - Canada together with Guyana for refugee resettlement.
3. **Money.** Secretary of State Antony Blinken announced more than $240 million in new
   humanitarian and security assistance from the State Department.
   - Nearly $82 million of it was humanitarian assistance.
   - Over $160 million was bilateral and regional assistance.
   - Counting roughly $575 million in humanitarian aid announced since 21 September 2022, the
     State Department and USAID put their October 2022 total at nearly $817 million.
4. **National announcements.** Several governments reported on steps already taken; Belize,
   for example, described an amnesty programme to register asylum seekers, refugees and
   vulnerable migrants.

Lima had hosted a summit once before: the Eighth Summit of the Americas met there on 13-14 April
2018. That summit produced the "Lima Commitment" on democratic governance and corruption; it has
nothing to do with the 2022 migration ministerial.

## 2. Washington, 23 June 2023: the first anniversary

The second ministerial marked one year of the Declaration. It was co-hosted by the United States
and Belize, with Belize's foreign minister Eamon Courtenay sharing the chair with Secretary
Blinken, and it met at the headquarters of the World Bank rather than at the State Department.

- **Participants.** Besides the endorsing governments, the organisers invited the United
  Nations, international financial institutions and civil society organisations.
- **Theme.** Ministers gave most of their time to the effect of climate change on migration
  and displacement, and agreed to meet again the following month to start identifying joint
  actions.
- **Protection messages.** The joint statement called for respect for the rights of all
  migrants regardless of status and for work on statelessness, including wider access to
  birth registration.

This meeting is not the same as the inaugural meeting of Special Coordinators, which was also
held in Washington but in 2022 and at a lower level.

## 3. Guatemala City, 7 May 2024: the third ministerial

Guatemala hosted the third ministerial at the National Palace of Culture. President Bernardo
Arévalo opened the meeting and Foreign Minister Carlos Ramiro Martínez chaired it. Three side
events with the private sector, civil society and academia were held beforehand, and UNHCR and
IOM attended as observers.

1. **U.S. delegation.**
   - Secretary of State Antony Blinken led it.
   - Marcela Escobari, the White House coordinator for the Los Angeles Declaration, joined him.
   - Kristie Canegallo represented the Department of Homeland Security and Michael Camilleri
     represented USAID.
2. **Funding.** Blinken announced $578 million in humanitarian, development and economic
   assistance, which the administration said it would work with Congress to provide.
3. **Follow-up.** Countries agreed to set up a coordinating body to track whether commitments
   were met, and the United States restated its aim of a permanent, regionally driven
   secretariat.
4. **Bilateral agreements.** On the margins, the United States and Costa Rica signed a
   biometric data-sharing partnership; Costa Rica's foreign minister Arnoldo André signed for
   his government.

The U.S. fact sheet on this meeting, published on 19 June 2024, described the Declaration as
resting on three core pillars. Most earlier documents speak of four pillars, the fourth being a
coordinated emergency response, which has never had its own committee.

## Corrections and updates

- **Update, 24 June 2024.** The first version of this note, published on 9 May 2024, said that
  20 countries attended the Guatemala ministerial. That number came from the Guatemalan foreign
  ministry's announcement on the eve of the meeting. The U.S. fact sheet of 19 June 2024 gives
  21 endorsing countries represented, and wire reports counted 22 countries in the room. The
  table now shows 21 for attendance; 22 is the number of countries that had endorsed the
  Declaration by then.
- **Update, 24 June 2024.** The earlier version also put the Lima announcement at
  $817 million. That was the combined State Department and USAID total for October 2022; the
  amount announced at the Lima ministerial itself was just over $240 million.
"""

# ---------------------------------------------------------------------------
# 2. HTML: who leads the Action Package Committees
# ---------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Who leads what: the eleven Action Package Committees of the Los Angeles Declaration</title>
<meta name="date" content="2024-03-12">
<meta name="description" content="A guide to the committees that implement the Los Angeles Declaration on Migration and Protection.">
</head>
<body>
<div class="cookie-banner" role="dialog">
  <p>We use cookies to measure readership and remember your language choice.
  <a href="/privacy">Read our privacy notice</a>.</p>
  <button>Accept all</button> <button>Only necessary cookies</button>
</div>
<header>
  <a class="logo" href="/">Americas Mobility Monitor</a>
  <nav>
    <ul>
      <li><a href="/">Home</a></li>
      <li><a href="/analysis">Analysis</a></li>
      <li><a href="/data">Data</a></li>
      <li><a href="/explainers">Explainers</a></li>
      <li><a href="/about">About us</a></li>
      <li><a href="/newsletter">Newsletter</a></li>
    </ul>
  </nav>
</header>
<nav class="breadcrumb" aria-label="Breadcrumb">
  <a href="/">Home</a> &rsaquo; <a href="/explainers">Explainers</a> &rsaquo;
  <a href="/explainers/los-angeles-declaration">Los Angeles Declaration</a> &rsaquo; Action packages
</nav>
<main>
<article>
  <h1>Who leads what: the eleven Action Package Committees</h1>
  <p class="byline">By the Monitor's regional desk. First published 2 November 2022;
  updated 12 March 2024.</p>
  <ul class="share">
    <li><a href="/share/x">Share on X</a></li>
    <li><a href="/share/facebook">Share on Facebook</a></li>
    <li><a href="/share/linkedin">Share on LinkedIn</a></li>
    <li><a href="/share/email">Email this article</a></li>
  </ul>

  <p>The Los Angeles Declaration on Migration and Protection is not implemented by a single
  agency. Its endorsing governments split the work into eleven <em>action packages</em>, each
  handled by an Action Package Committee. A committee has one lead country, or in one case two,
  and a group of participating countries. The lead convenes meetings, drafts shared policy
  commitments and may invite experts from international organisations, civil society and
  universities.</p>

  <p>The packages were identified at the inaugural meeting of Special Coordinators in
  Washington, D.C., in 2022. Foreign ministers confirmed the leads at the first ministerial
  meeting in Lima on 6 October 2022, where each of the 21 endorsing countries agreed to join at
  least one committee. The committees cover the first three pillars of the Declaration only;
  the fourth pillar, a coordinated emergency response, was left without a committee of its
  own.</p>

  <h2>The committees and their leads</h2>
  <table>
    <caption>Table 1. Action Package Committees of the Los Angeles Declaration, leads and
    participants as confirmed at the Lima ministerial, 6 October 2022</caption>
    <thead>
      <tr><th>No.</th><th>Pillar</th><th>Action package</th><th>Lead country</th><th>Participating countries</th></tr>
    </thead>
    <tbody>
      <tr><td>1</td><td>I. Stability and assistance</td><td>Integration and support for host communities</td><td>Chile</td><td>El Salvador, Honduras, Ecuador, Guyana</td></tr>
      <tr><td>2</td><td>I. Stability and assistance</td><td>Temporary protection and regularization</td><td>Colombia</td><td>Ecuador, El Salvador, Haiti</td></tr>
      <tr><td>3</td><td>I. Stability and assistance</td><td>International financing for migrant-hosting countries</td><td>Ecuador</td><td>Chile, Colombia, Honduras, Guyana, Peru, United States</td></tr>
      <tr><td>4</td><td>I. Stability and assistance</td><td>Combating xenophobia</td><td>Peru</td><td>Argentina, Brazil, Costa Rica</td></tr>
      <tr><td>5</td><td>II. Regular pathways</td><td>Labor mobility</td><td>Mexico</td><td>Haiti, United States, El Salvador, Guatemala</td></tr>
      <tr><td>6</td><td>II. Regular pathways</td><td>Investing in asylum</td><td>Canada</td><td>Costa Rica, Haiti</td></tr>
      <tr><td>7</td><td>II. Regular pathways</td><td>Refugee resettlement</td><td>Canada and Guyana</td><td>Mexico, Uruguay, United States</td></tr>
      <tr><td>8</td><td>II. Regular pathways</td><td>Family reunification and alternative migration pathways</td><td>El Salvador</td><td>Haiti, Mexico, United States</td></tr>
      <tr><td>9</td><td>III. Humane migration management</td><td>Humane border management</td><td>Panama</td><td>Colombia, Costa Rica, United States</td></tr>
      <tr><td>10</td><td>III. Humane migration management</td><td>Countering migrant smuggling and trafficking in persons</td><td>Costa Rica</td><td>Guatemala, Honduras, Panama</td></tr>
      <tr><td>11</td><td>III. Humane migration management</td><td>Safe return and sustainable reintegration</td><td>Guatemala</td><td>El Salvador, Honduras, Mexico</td></tr>
    </tbody>
  </table>

  <h2>What the committees are supposed to do</h2>
  <p>Each committee has the same three tasks, which the Special Coordinators set out in their
  terms of reference:</p>
  <ol>
    <li>Agree a short list of shared policy commitments for its theme, for example common
    standards for regularisation programmes or a model for reintegration services.</li>
    <li>Collect good practices from member governments and partners, such as:
      <ul>
        <li>national experience, like Colombia's temporary protection statute for Venezuelans;</li>
        <li>evaluations by international organisations and development banks;</li>
        <li>academic and civil society research.</li>
      </ul>
    </li>
    <li>Report progress to the Special Coordinators before each ministerial meeting, so that
    ministers can announce results rather than intentions.</li>
  </ol>

  <h2>Who leads most</h2>
  <p>Canada is the only government leading two committees, investing in asylum on its own and
  refugee resettlement jointly with Guyana. The United States leads none, although it sits on
  five committees and pays for much of the technical support. Five of the eleven committees are
  led or co-led by South American governments (Chile, Colombia, Ecuador, Peru and Guyana), a
  deliberate choice to show that the Declaration is not only a North American project.</p>

  <h2>Progress since Lima</h2>
  <p>The committees have moved at very different speeds. The temporary protection committee
  led by Colombia met six times in its first year and produced a set of shared principles for
  regularisation programmes, which ministers welcomed at the Washington ministerial on
  23 June 2023. The labour mobility committee led by Mexico held its first meeting only in
  February 2023, four months after Lima, and the three committees under Pillar III had met
  twice each by the end of 2023.</p>
  <p>Two things slowed the work, according to officials we spoke to. First, several lead
  governments changed between 2022 and 2024, among them Colombia, Guatemala and Panama, and new
  ministers had to re-appoint Special Coordinators. Second, until a technical secretariat was
  agreed, lead countries had to organise meetings from their own foreign ministries, which
  smaller governments found hard. The Guatemala ministerial of May 2024 was expected to settle
  the secretariat question.</p>

  <div class="update-box">
    <h2>Corrections and updates</h2>
    <p><strong>Update, 12 March 2024.</strong> The version of this article published on
    2 November 2022 listed ten committees, because it treated combating xenophobia as part of
    the integration package led by Chile. Peru leads combating xenophobia as a separate, fourth
    committee under Pillar I, which brings the total to eleven.</p>
    <p><strong>Update, 12 March 2024.</strong> The 2022 version also said that Canada alone led
    refugee resettlement. The Lima joint statement names Canada and Guyana as co-leads.</p>
    <p><strong>Update, 12 March 2024.</strong> Our earlier count of 20 endorsing countries
    reflected the signatories of 10 June 2022. Guyana endorsed later and took part in Lima,
    making 21 at the time of the ministerial.</p>
  </div>
</article>

<aside class="related">
  <h2>Related reading</h2>
  <ul>
    <li><a href="/explainers/lima-ministerial-2022">What happened at the Lima ministerial</a></li>
    <li><a href="/explainers/special-coordinators">Special Coordinators: the sherpas of the Declaration</a></li>
    <li><a href="/analysis/quito-process-and-la-declaration">The Quito Process and the Los Angeles Declaration</a></li>
    <li><a href="/data/endorsing-countries">Data: the endorsing countries</a></li>
  </ul>
</aside>
</main>
<footer>
  <p>&copy; 2024 Americas Mobility Monitor. All rights reserved.</p>
  <ul>
    <li><a href="/terms">Terms of use</a></li>
    <li><a href="/privacy">Privacy</a></li>
    <li><a href="/contact">Contact</a></li>
  </ul>
  <p>Sign up to our weekly newsletter for migration policy news from across the hemisphere.</p>
</footer>
</body>
</html>
"""

# ---------------------------------------------------------------------------
# 3. PDF: the follow-up architecture
# ---------------------------------------------------------------------------

PDF_TITLE = "Implementing the Los Angeles Declaration: Special Coordinators, the Technical Secretariat and the committees"
PDF_TITLE_LINE1 = "Implementing the Los Angeles Declaration"
PDF_TITLE_LINE2 = "Special Coordinators, the Technical Secretariat and the committees."
PDF_HEADER = "Policy brief 2025/01 - Follow-up architecture of the Los Angeles Declaration"
PDF_DATE = "20 January 2025"

PDF_SECTIONS: list[tuple[str, list[str]]] = [
    (
        "1. Summary",
        [
            "The Los Angeles Declaration on Migration and Protection, adopted on 10 June 2022 at the "
            "Ninth Summit of the Americas, has no treaty body and no budget of its own. Its follow-up "
            "rests on three layers: a network of Special Coordinators named by each endorsing "
            "government, eleven Action Package Committees led by volunteer countries, and, since "
            "September 2024, a Technical Secretariat run jointly by the General Secretariat of the "
            "Organization of American States (OAS) and the Pan American Development Foundation (PADF). "
            "Ministerial meetings in Lima (October 2022), Washington (June 2023) and Guatemala City "
            "(May 2024) sit on top of this structure and give it political direction.",
            "This brief describes each layer, lists the meetings held so far and identifies the "
            "questions that the endorsing countries will face in 2025.",
        ],
    ),
    (
        "2. Special Coordinators",
        [
            "Each endorsing country appoints a Special Coordinator at the level of a principal or "
            "higher, usually a vice-minister of foreign affairs or a senior official in the "
            "presidency. The model was borrowed from the sherpa system that President Obama used to "
            "prepare the Nuclear Security Summits, which ended in 2016: officials with direct access "
            "to their leaders meet between summits and prepare deliverables.",
            "The Special Coordinators held their inaugural meeting in Washington, D.C., in 2022, "
            "after the Declaration was signed and before the Lima ministerial. At that meeting they "
            "identified the eleven areas for action, later called action packages, and asked "
            "countries to volunteer as leads. They have since met about twice a year, normally a few "
            "weeks before a ministerial and once in the second half of the year.",
            "For the United States the coordinating role sits in the National Security Council. "
            "Katie Tobin held it from the start of the process until early 2024. Marcela Escobari, "
            "previously USAID's Assistant Administrator for Latin America and the Caribbean, took "
            "over in spring 2024 with the title of White House Coordinator for the Los Angeles "
            "Declaration and represented the administration at the Guatemala ministerial.",
        ],
    ),
    (
        "3. Action Package Committees and working groups",
        [
            "The committees do the substantive work. Each lead country convenes the participating "
            "governments and may call on experts from international organisations, civil society "
            "and academic institutions. Colombia leads temporary protection and regularisation, "
            "Mexico leads labour mobility, Canada leads investing in asylum and, with Guyana, refugee "
            "resettlement, while Chile, Ecuador, Peru and El Salvador lead the other packages under "
            "the first two pillars.",
            "Alongside the committees, ministers have created time-limited working groups for "
            "topics that cut across pillars. The clearest case is climate-related displacement: at "
            "the Washington ministerial of 23 June 2023 the endorsing countries agreed to meet the "
            "following month to begin a joint process on the subject, and a working group on climate "
            "and displacement first met virtually on 19 July 2023, co-chaired by Belize and Chile. "
            "A second working group, on statelessness and birth registration, was proposed at the "
            "same meeting but had not been formally constituted by the end of 2024.",
        ],
    ),
    (
        "4. The Technical Secretariat",
        [
            "Until 2024 the United States government provided most of the secretariat functions "
            "informally, which partners criticised as making the Declaration look like a U.S. "
            "initiative. At the Guatemala ministerial of 7 May 2024 the United States committed to "
            "work with partners on a permanent, regionally driven secretariat, and countries agreed "
            "to set up a body to track progress on commitments.",
            "On 25 September 2024 the OAS announced that its Department of Social Inclusion, part of "
            "the Secretariat for Access to Rights and Equity (SARE), and PADF, a non-profit "
            "foundation created by the OAS, had been jointly selected as the Technical Secretariat. "
            "The selection was made by the U.S. Department of State. Its four tasks are:",
            "(a) facilitating coordination among States; (b) advancing the technical work of the "
            "Action Package Committees; (c) avoiding duplication of effort with other regional "
            "processes, such as the Quito Process and the Regional Conference on Migration; and "
            "(d) convening international organisations, civil society, academia, the private sector "
            "and multilateral development banks.",
            "The Secretariat's start-up phase is funded by a two-year U.S. grant of $3.2 million. "
            "Its first work plan was presented to the Special Coordinators at their meeting in "
            "Washington on 11 December 2024, which also agreed a common reporting template for "
            "national commitments.",
        ],
    ),
    (
        "5. Calendar of meetings, 2022-2024",
        [
            "Table 1 lists the main meetings of the follow-up process. Ministerial meetings are "
            "attended by foreign ministers or their deputies; Special Coordinators meetings are "
            "attended by the coordinators and committee leads.",
        ],
    ),
]

PDF_TABLE_CAPTION = "Table 1. Meetings of the Los Angeles Declaration follow-up process."
PDF_TABLE = [
    ["Date", "Meeting", "Level", "Place", "Main outcome"],
    ["2022", "First Special Coordinators", "Coordinators", "Washington", "11 packages agreed."],
    ["6 Oct 2022", "First ministerial", "Ministers", "Lima", "Leads; U.S. $240m+."],
    ["23 Jun 2023", "Second ministerial", "Ministers", "Washington", "Belize co-hosts."],
    ["19 Jul 2023", "Climate working group", "Technical", "Virtual", "Climate work begins."],
    ["7 May 2024", "Third ministerial", "Ministers", "Guatemala City", "U.S. $578m."],
    ["25 Sep 2024", "Secretariat named", "n/a", "Washington", "OAS DSI and PADF."],
    ["11 Dec 2024", "Special Coordinators", "Coordinators", "Washington", "Work plan adopted."],
]

PDF_SECTIONS_AFTER: list[tuple[str, list[str]]] = [
    (
        "6. Questions for 2025",
        [
            "Three issues will shape the follow-up in 2025. First, the change of administration in "
            "Washington on 20 January 2025 raises the question whether the United States will keep "
            "a White House coordinator and continue to fund the Secretariat. Second, no host has yet "
            "been announced for a fourth ministerial; several governments have suggested holding it "
            "alongside the Tenth Summit of the Americas, planned for Punta Cana in the Dominican "
            "Republic in December 2025. Third, the committees under Pillar III, on border "
            "management, smuggling and returns, have produced fewer shared commitments than those "
            "under Pillars I and II, and the Secretariat has been asked to propose ways to revive "
            "them.",
        ],
    ),
    (
        "7. Corrections to the previous edition",
        [
            "This brief replaces the edition of 2 October 2024. That edition said that the Technical "
            "Secretariat would be hosted jointly by IOM and UNHCR. This was wrong: IOM and UNHCR "
            "jointly run the technical secretariat of the Quito Process, not that of the Los Angeles "
            "Declaration, whose Secretariat is the OAS Department of Social Inclusion together with "
            "PADF.",
            "The earlier edition also gave the number of endorsing countries as 21. The OAS "
            "announcement of 25 September 2024 gives 22, and that figure is used here. The count of "
            "21 remains correct for the Lima ministerial of October 2022 and for the countries "
            "represented in Guatemala City in May 2024.",
        ],
    ),
]


class BriefPDF(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, PDF_HEADER, align="L")
        self.ln(4)
        self.set_draw_color(150, 150, 150)
        self.line(self.l_margin, self.get_y() + 2, self.w - self.r_margin, self.get_y() + 2)
        self.ln(8)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def build_pdf(path: Path) -> None:
    pdf = BriefPDF(format="A4")
    pdf.set_title(PDF_TITLE)
    pdf.set_author("Hemispheric Migration Policy Unit")
    pdf.set_creation_date(dt.datetime(2025, 1, 20, 9, 0, tzinfo=dt.UTC))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(22, 18, 22)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 7, PDF_TITLE_LINE1, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(7)
    pdf.set_font("Helvetica", "B", 11.5)
    pdf.multi_cell(0, 6, PDF_TITLE_LINE2, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(7)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        0, 5, f"Hemispheric Migration Policy Unit, {PDF_DATE}.", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(7)

    def section(heading: str, paragraphs: list[str]) -> None:
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 6, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        pdf.set_font("Helvetica", "", 10.5)
        for para in paragraphs:
            pdf.multi_cell(0, 5.2, para, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.5)
        pdf.ln(5)

    for heading, paras in PDF_SECTIONS:
        # keep the calendar section and its table on one page
        if heading.startswith("5.") and pdf.get_y() > pdf.page_break_trigger - 125:
            pdf.add_page()
        section(heading, paras)

    pdf.set_font("Helvetica", "B", 10)
    pdf.multi_cell(0, 5, PDF_TABLE_CAPTION, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 8.5)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=(22, 42, 26, 30, 46),
        headings_style=FontFace(emphasis="BOLD", fill_color=(220, 220, 220)),
        line_height=4.5,
        padding=(2.2, 1.5),
        borders_layout="ALL",
    ) as table:
        for row in PDF_TABLE:
            r = table.row()
            for cell in row:
                r.cell(cell)
    pdf.ln(10)

    for heading, paras in PDF_SECTIONS_AFTER:
        section(heading, paras)

    pdf.output(str(path))


# ---------------------------------------------------------------------------
# 4. DOCX: relation to other regional processes
# ---------------------------------------------------------------------------

DOCX_TITLE = "Briefing note: the Los Angeles Declaration and the region's other migration processes"

# Each item: ("h1"|"h2"|"p"|"b1"|"b2"|"table", payload)
DOCX_BODY: list[tuple[str, object]] = [
    (
        "p",
        "Prepared for the incoming desk officers of the migration unit. Last revised 10 November 2025.",
    ),
    ("h1", "1. Purpose"),
    (
        "p",
        "The Los Angeles Declaration on Migration and Protection is the newest of several "
        "intergovernmental processes dealing with migration in the Americas. Desk officers are "
        "regularly asked whether it replaces, duplicates or feeds into the older ones. This note "
        "compares it with the Quito Process, the Regional Conference on Migration and the Summit "
        "of the Americas, and lists the points of contact between them.",
    ),
    ("h1", "2. The Summit of the Americas"),
    (
        "p",
        "The Declaration is a product of the Summit of the Americas, the meeting of heads of "
        "state and government of the hemisphere that began in Miami in December 1994. It was "
        "adopted on 10 June 2022, the closing day of the Ninth Summit, held in Los Angeles from "
        "6 to 10 June 2022. Cuba, Nicaragua and Venezuela were not invited, and several Central "
        "American presidents stayed away, although their governments still signed.",
    ),
    (
        "p",
        "Unlike most Summit commitments, which are tracked by the OAS Summits of the Americas "
        "Secretariat, the Declaration built its own follow-up machinery: Special Coordinators, "
        "Action Package Committees and ministerial meetings. The first ministerial took place in "
        "Lima on 6 October 2022, during the OAS General Assembly that also confirmed Punta Cana, "
        "in the Dominican Republic, as venue of the Tenth Summit.",
    ),
    ("b1", "Points of contact with the Summit process:"),
    (
        "b2",
        "the Declaration's text is a Summit document, so its review could be placed on the agenda of the Tenth Summit;",
    ),
    ("b2", "the Dominican Republic, host of the Tenth Summit, has not endorsed the Declaration;"),
    ("b2", "the Joint Summit Working Group, which includes IOM and the ILO, supports both."),
    ("table", "summits"),
    ("h1", "3. The Quito Process"),
    (
        "p",
        "The Quito Process began with the Quito Declaration on Human Mobility of Venezuelan "
        "Citizens in the Region, signed on 4 September 2018 at a meeting in the Ecuadorian "
        "capital attended by 13 countries. Eleven of them signed: Argentina, Brazil, Chile, "
        "Colombia, Costa Rica, Ecuador, Mexico, Panama, Paraguay, Peru and Uruguay. A Quito Plan "
        "of Action followed on 23 November 2018 and a third meeting on 8-9 April 2019. Later "
        "rounds moved to Buenos Aires, Bogota and Santiago, with the host holding the pro tempore "
        "presidency.",
    ),
    (
        "p",
        "Its technical secretariat is run jointly by IOM and UNHCR, with a joint coordinator "
        "based in Panama City, and a Group of Friends of donor states, created between the fifth "
        "and sixth rounds, mobilises funding.",
    ),
    ("b1", "How it relates to the Los Angeles Declaration:"),
    ("b2", "all eleven Quito Declaration signatories are also Los Angeles Declaration endorsers;"),
    (
        "b2",
        "the Quito Process deals only with Venezuelan refugees and migrants, while the Los Angeles Declaration covers all nationalities;",
    ),
    (
        "b2",
        "the temporary protection and regularisation committee, led by Colombia, draws heavily on Quito Process work on documentation and registration.",
    ),
    ("h1", "4. The Regional Conference on Migration"),
    (
        "p",
        "The Regional Conference on Migration (RCM), also called the Puebla Process, grew out of "
        "the Tuxtla II summit of Central American and Mexican presidents in 1996. It has eleven "
        "member countries: Belize, Canada, Costa Rica, the Dominican Republic, El Salvador, "
        "Guatemala, Honduras, Mexico, Nicaragua, Panama and the United States. The chair rotates "
        "as a pro tempore presidency supported by a troika of the previous, current and next "
        "chairs; in 2018, for example, Panama held the presidency between El Salvador and "
        "Guatemala. A technical secretariat in San Jose, Costa Rica, supports it.",
    ),
    ("b1", "How it relates to the Los Angeles Declaration:"),
    (
        "b2",
        "two RCM members, the Dominican Republic and Nicaragua, are not endorsers of the Declaration;",
    ),
    ("b2", "South American endorsers such as Brazil, Chile and Peru take no part in the RCM;"),
    (
        "b2",
        "the RCM works by consensus at vice-ministerial level, whereas the Declaration's ministerials are chaired by foreign ministers.",
    ),
    ("table", "compare"),
    ("h1", "5. The Panama precursor and the trilateral track"),
    (
        "p",
        "Two other meetings are often mistaken for Los Angeles Declaration events. The Ministerial "
        "Conference on Migration and Protection in Panama City on 19-20 April 2022, convened by "
        "Foreign Minister Erika Mouynes with U.S. support and attended by about 20 countries, "
        "prepared the ground for the Declaration but came before it. Panama had held a smaller "
        "virtual meeting with ten governments in August 2021.",
    ),
    (
        "p",
        "The trilateral meetings of Colombia, Panama and the United States on irregular "
        "migration through the Darien are a separate track. Their third meeting, in Cartagena "
        "de Indias on 26 August 2024, framed its work within the Declaration's pillars and noted "
        "that Colombia had regularised 2.5 million Venezuelans, but it was not a meeting of the "
        "Declaration's endorsing countries.",
    ),
    ("h1", "6. Avoiding duplication"),
    (
        "p",
        "When the OAS Department of Social Inclusion and the Pan American Development Foundation "
        "were named as the Declaration's Technical Secretariat in September 2024, one of their "
        "four tasks was to avoid duplication with other regional processes. In practice this "
        "means sharing meeting calendars with the Quito Process and RCM secretariats, and "
        "inviting their coordinators to committee meetings as observers.",
    ),
    ("h1", "7. Updates"),
    (
        "p",
        "Update, 4 November 2025. The previous version of this note, dated 15 September 2025, "
        "said that the Tenth Summit of the Americas would be held in Punta Cana on 4-5 December "
        "2025 and that a Declaration review could be scheduled on its margins. On 3 November 2025 "
        "the Dominican government postponed the Summit to 2026, citing deep divergences in the "
        "region and the damage caused by Hurricane Melissa. No new date has been set.",
    ),
    (
        "p",
        "Update, 10 November 2025. An earlier version counted ten RCM member countries because it "
        "omitted Belize. The correct figure is eleven.",
    ),
]

DOCX_SUMMIT_CAPTION = "Table 1. Summits of the Americas that matter for the Declaration"
DOCX_SUMMIT_TABLE = [
    ["Summit", "Place", "Dates", "Relevance"],
    ["First", "Miami", "9-11 December 1994", "Founded the Summit process"],
    [
        "Eighth",
        "Lima",
        "13-14 April 2018",
        "Lima Commitment on governance and corruption; no migration text",
    ],
    ["Ninth", "Los Angeles", "6-10 June 2022", "Los Angeles Declaration adopted on 10 June"],
    [
        "Tenth",
        "Punta Cana",
        "Planned for 4-5 December 2025; postponed to 2026",
        "Possible review of the Declaration",
    ],
]

DOCX_TABLE_CAPTION = "Table 2. Four regional processes compared"
DOCX_TABLE = [
    ["Process", "Started", "Members", "Scope", "Secretariat"],
    [
        "Summit of the Americas",
        "Miami, December 1994",
        "Heads of state of the hemisphere (by invitation)",
        "All policy areas",
        "OAS Summits Secretariat",
    ],
    [
        "Regional Conference on Migration",
        "1996 (Tuxtla II)",
        "11 countries, North and Central America and Dominican Republic",
        "All migration",
        "Technical secretariat, San Jose",
    ],
    [
        "Quito Process",
        "4 September 2018",
        "11 signatories of the Quito Declaration",
        "Venezuelan refugees and migrants",
        "IOM and UNHCR jointly",
    ],
    [
        "Los Angeles Declaration",
        "10 June 2022",
        "20 at signing; 22 by September 2024",
        "Migration and protection, all nationalities",
        "OAS (DSI/SARE) and PADF since 2024",
    ],
]


def build_docx(path: Path) -> None:
    doc = Document()
    doc.core_properties.title = DOCX_TITLE
    doc.core_properties.author = "Migration unit"
    doc.core_properties.created = dt.datetime(2025, 11, 10, 10, 0, 0)
    doc.add_heading(DOCX_TITLE, level=0)
    for kind, payload in DOCX_BODY:
        if kind == "h1":
            doc.add_heading(payload, level=1)
        elif kind == "p":
            doc.add_paragraph(payload)
        elif kind == "b1":
            doc.add_paragraph(payload, style="List Bullet")
        elif kind == "b2":
            doc.add_paragraph(payload, style="List Bullet 2")
        elif kind == "table":
            caption, rows = {
                "summits": (DOCX_SUMMIT_CAPTION, DOCX_SUMMIT_TABLE),
                "compare": (DOCX_TABLE_CAPTION, DOCX_TABLE),
            }[payload]
            doc.add_paragraph(caption, style="Caption")
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for i, row in enumerate(rows):
                for j, text in enumerate(row):
                    cell = table.cell(i, j)
                    cell.text = text
                    if i == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
                    for run in cell.paragraphs[0].runs:
                        run.font.size = Pt(9)
    doc.save(str(path))


# ---------------------------------------------------------------------------
# 5. Plain text: FAQ with dated updates
# ---------------------------------------------------------------------------

TXT_TITLE = "Questions and answers: Los Angeles Declaration meetings, committee leads and follow-up"
TXT_DATE = "2025-02-03"

TXT = """QUESTIONS AND ANSWERS: LOS ANGELES DECLARATION MEETINGS, COMMITTEE LEADS AND FOLLOW-UP

Migration information desk. First issued 12 September 2022; last updated 3 February 2025.

This sheet answers the questions we are asked most often about how the Los Angeles
Declaration on Migration and Protection is followed up. Older answers are kept; where a
later update changes a figure, the update at the end of the sheet takes precedence.

PART 1. THE MEETINGS

Q: When and where was the Declaration adopted?
A: On 10 June 2022 in Los Angeles, on the final day of the Ninth Summit of the Americas.
Twenty heads of state and government signed it that day.

Q: How many ministerial meetings have there been?
A: Three. The first was in Lima, Peru, on 6 October 2022. The second was in Washington,
D.C., on 23 June 2023. The third was in Guatemala City on 7 May 2024.

Q: Was the Lima ministerial part of the OAS General Assembly?
A: No, but it was held on the margins of it. The 52nd OAS General Assembly met in Lima
the same week, which made it easy for foreign ministers to attend both.

Q: Who hosted the Washington meeting?
A: The United States and Belize jointly, at the World Bank's headquarters, to mark the
first anniversary of the Declaration. Belize's foreign minister Eamon Courtenay co-chaired
with Secretary of State Antony Blinken.

Q: Who led the U.S. delegation in Guatemala City?
A: Secretary Blinken, accompanied by Marcela Escobari of the National Security Council,
Kristie Canegallo of the Department of Homeland Security and Michael Camilleri of USAID.
President Bernardo Arevalo of Guatemala hosted the meeting.

Q: How much money did the United States announce at the ministerials?
A: At Lima, just over $240 million from the State Department. At Guatemala City,
$578 million in humanitarian, development and economic assistance. No single headline
figure was announced at the Washington meeting in 2023.

Q: Is there a fourth ministerial planned?
A: Not yet. See the update of 3 February 2025 below.

PART 2. COMMITTEES AND LEADS

Q: What is an action package?
A: One of eleven areas of work agreed by the Special Coordinators in 2022 and confirmed by
ministers in Lima. Each has an Action Package Committee with a lead country.

Q: Which country leads the committee on temporary protection and regularisation?
A: Colombia. Its participants at Lima were Ecuador, El Salvador and Haiti.

Q: Which country leads labour mobility?
A: Mexico, with Haiti, the United States, El Salvador and Guatemala taking part.

Q: Does any country lead more than one committee?
A: Yes. Canada leads investing in asylum and co-leads refugee resettlement with Guyana.

Q: Who leads the committee on international financing for host countries?
A: Ecuador. Chile, Colombia, Honduras, Guyana, Peru and the United States participate.

Q: Is there a committee for the emergency-response pillar?
A: No. The committees cover only the first three pillars; the fourth pillar, a
coordinated emergency response, has none.

PART 3. FOLLOW-UP STRUCTURE

Q: What is a Special Coordinator?
A: A senior official, at principal level or higher, named by each endorsing government to
steer implementation between ministerials. The system copies the sherpa model used for
the Nuclear Security Summits.

Q: Who is the United States' coordinator?
A: Marcela Escobari has been White House Coordinator for the Los Angeles Declaration since
spring 2024. She replaced Katie Tobin, who left the National Security Council earlier
that year.

Q: Does the Declaration have a secretariat?
A: Since September 2024, yes. The OAS Department of Social Inclusion and the Pan American
Development Foundation serve jointly as its Technical Secretariat.

Q: Is the Declaration the same thing as the Quito Process?
A: No. The Quito Process, started in September 2018, deals only with Venezuelans and has
its own secretariat run by IOM and UNHCR. The Los Angeles Declaration covers all
migrants and refugees in the hemisphere.

Q: And the Regional Conference on Migration?
A: Also separate. The RCM, created in 1996, has eleven members in North and Central
America and the Caribbean, including the Dominican Republic and Nicaragua, which have not
endorsed the Los Angeles Declaration.

DATED UPDATES

Update, 10 October 2022: Our first answer said the Declaration had 20 endorsing
countries. By the Lima ministerial the count was 21, because Guyana had joined.

Update, 9 May 2024: An earlier answer said the Guatemala ministerial would bring together
ministers from 20 countries, as the host's foreign ministry announced. The U.S. fact sheet
says 21 endorsing countries were represented; news agencies reported 22 countries present.
We use 21 for attendance.

Update, 9 May 2024: The $578 million announced in Guatemala City is not new money already
approved; the administration said it would work with Congress to provide it. Our earlier
wording, "$578 million delivered", was wrong.

Update, 26 September 2024: The OAS says 22 countries have now endorsed the Declaration.
Our earlier answer of 21 is out of date except for the Lima meeting.

Update, 26 September 2024: We previously said the secretariat would be hosted by IOM.
That is the Quito Process arrangement. The Los Angeles Declaration's Technical Secretariat
is the OAS Department of Social Inclusion together with PADF.

Update, 3 February 2025: No host or date has been agreed for a fourth ministerial. The
Special Coordinators discussed the question at their meeting on 11 December 2024 but left
it to the new year, after the change of U.S. administration on 20 January 2025.
"""


def unwrap(text: str) -> str:
    """Join hard-wrapped lines: one line per paragraph, question or answer."""
    out_blocks = []
    for block in text.strip("\n").split("\n\n"):
        lines: list[str] = []
        for line in block.splitlines():
            if lines and not line.startswith(("Q:", "A:")):
                lines[-1] += " " + line.strip()
            else:
                lines.append(line.strip())
        out_blocks.append("\n".join(lines))
    return "\n\n".join(out_blocks) + "\n"


TXT_META = f'title: "{TXT_TITLE}"\ndate: {TXT_DATE}\n'


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "t1-ministerial-timeline.md").write_text(MD, encoding="utf-8")
    (OUT / "t1-action-package-committees.html").write_text(HTML, encoding="utf-8")
    build_pdf(OUT / "t1-follow-up-architecture.pdf")
    build_docx(OUT / "t1-regional-processes.docx")
    (OUT / "t1-meetings-faq.txt").write_text(unwrap(TXT), encoding="utf-8")
    (OUT / "t1-meetings-faq.txt.meta.yaml").write_text(TXT_META, encoding="utf-8")


if __name__ == "__main__":
    main()
