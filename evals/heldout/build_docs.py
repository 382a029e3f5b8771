"""Build the PDF and DOCX documents of the held-out evaluation corpus.

Run from the repository root:
    /work/main/.venv/bin/python evals/heldout/build_docs.py

All text of both documents is kept in this file so that a reviewer can read it.
The PDF uses only the core Helvetica font, so its text must be latin-1 with plain
quotes and hyphens; check_latin1() enforces that before anything is written.
"""

import datetime
from pathlib import Path

from docx import Document
from docx.shared import Pt
from fpdf import FPDF
from fpdf.fonts import FontFace

CORPUS = Path(__file__).resolve().parent / "corpus"

# ---------------------------------------------------------------------------
# PDF: progress report on the action packages
# ---------------------------------------------------------------------------

PDF_NAME = "lad-action-packages-progress-report.pdf"
PDF_TITLE = (
    "Los Angeles Declaration on Migration and Protection: Progress Report on the Action Packages"
)
PDF_DATE = datetime.datetime(2024, 11, 15, 9, 0, 0, tzinfo=datetime.UTC)
PDF_RUNNING_HEADER = "LAD Action Packages - Progress Report - November 2024"

PDF_FRONT = [
    "Reporting period: June 2022 to October 2024",
    "Prepared by the Policy Analysis Unit, Hemispheric Migration Studies Centre",
    "Issued 15 November 2024",
    "Distribution: Special Coordinators of the endorsing countries and their staff.",
]

# Each section: (heading, [paragraphs]). A paragraph that is a tuple ("TABLE", key)
# inserts the table of that key.
PDF_SECTIONS = [
    (
        "1. Purpose and scope",
        [
            "This report reviews what the eleven Action Package Committees of the Los Angeles "
            "Declaration on Migration and Protection have done between the adoption of the "
            "Declaration on 10 June 2022 and the fourth ministerial meeting, held in New York on "
            "25 September 2024. It is written for Special Coordinators and their staff, who need "
            "a single account of which committee is active, what each has produced, and where "
            "the gaps lie before Colombia takes up the rotating presidency in 2025.",
            "The report draws on the public statements issued after each ministerial meeting, on "
            "national announcements, and on interviews with officials from nine endorsing "
            "countries conducted in October 2024. Status ratings in Table 1 are the judgement of "
            "the Policy Analysis Unit and have not been agreed with the lead countries.",
        ],
    ),
    (
        "2. Background: pillars and packages",
        [
            "The Declaration was endorsed in Los Angeles by twenty countries at the close of the "
            "Ninth Summit of the Americas. Guyana joined when implementation was launched at the "
            "White House on 26 September 2022, bringing the total to 21, and the count had "
            "reached 22 by September 2024. The text rests on four pillars: stability and "
            "assistance for communities; regular pathways for migration and international "
            "protection; humane migration management; and a coordinated emergency response.",
            "At the first ministerial meeting in Lima on 6 October 2022, ministers confirmed "
            "eleven action packages under the first three pillars, each led by one or two "
            "volunteer countries, and every endorsing country agreed to take part in at least "
            "one committee. No package was created for the fourth pillar. For that reason the "
            "fact sheets issued by the United States from 2024 onward describe the Declaration "
            "as having three core pillars rather than four.",
            ("TABLE", "packages"),
        ],
    ),
    (
        "3. Progress by pillar",
        [
            "This section reviews the committees pillar by pillar. It gives most space to the "
            "commitments that can be measured, because those are the ones ministers are asked "
            "about.",
        ],
    ),
    (
        "3.1 Pillar One: stability and assistance for communities",
        [
            "The four Pillar One committees have been the most productive. Colombia, which leads "
            "the Temporary Protection and Regularization package, can point to its own record: "
            "the number of Venezuelans regularised in Colombia rose from about 1.5 million permit "
            "holders in June 2022 to 2.5 million by August 2024. The committee circulated a "
            "guidance note on regularisation programmes in March 2024. Chile's integration "
            "committee and Peru's committee on combating xenophobia have each met at least "
            "three times, and Peru ran a regional communications campaign in 2023.",
            "Ecuador's committee on international financing has had a harder task. Its aim is "
            "access to concessional loans for middle-income countries hosting large numbers of "
            "refugees and migrants, and that depends on the boards of the multilateral "
            "development banks rather than on the committee itself. The United States "
            "identified US$25 million for the Global Concessional Financing Facility as part of "
            "its contribution.",
        ],
    ),
    (
        "3.2 Pillar Two: regular pathways and protection",
        [
            "Pillar Two holds the commitments that are easiest to count. Canada promised in June "
            "2022 to resettle up to 4,000 refugees from the Americas by 2028; by the end of "
            "October 2024 about 1,500 of those places had been filled. The United States "
            "pledged 20,000 refugee admissions from the region over fiscal years 2023 and 2024, "
            "after resettling 2,485 people from the hemisphere in fiscal year 2022. Mexico, "
            "which leads the Labor Mobility package, offered up to 20,000 additional temporary "
            "worker places and a separate programme for Guatemalan workers.",
            "The Safe Mobility Offices, opened in Colombia, Costa Rica and Guatemala in June "
            "2023 and in Ecuador on 18 October 2023, became the main channel for referrals to "
            "resettlement. Figures released in March 2024 counted more than 172,600 "
            "applications, 27,400 referrals to the U.S. Refugee Admissions Program and 7,600 "
            "arrivals. Those figures are now out of date; see Table 2 for the September 2024 "
            "position.",
            ("TABLE", "safe_mobility"),
        ],
    ),
    (
        "3.3 Pillar Three: humane migration management",
        [
            "The three Pillar Three committees work on smuggling and trafficking, border "
            "management, and visa and travel standards. Their output is harder to see because "
            "much of it takes the form of bilateral agreements. The most visible is the "
            "biometric data-sharing partnership signed by Costa Rica and the U.S. Department "
            "of Homeland Security at the Guatemala City ministerial on 7 May 2024. Several "
            "countries also tightened visa requirements for nationalities that were using their "
            "airports as transit points towards the north.",
        ],
    ),
    (
        "4. Financing",
        [
            "The United States remains by far the largest funder of activity under the "
            "Declaration. Table 3 lists the main announcements made at ministerial meetings. The "
            "amounts are new commitments announced on the day, not disbursements, and they "
            "overlap with humanitarian funding that would have been provided in any case.",
            ("TABLE", "financing"),
        ],
    ),
    (
        "5. Follow-up structure",
        [
            "Until 2024 the Declaration had no secretariat of its own: the White House "
            "coordinator, Marcela Escobari, and the State Department carried most of the "
            "coordination. In September 2024 the Pan American Development Foundation and the "
            "Department of Social Inclusion of the OAS General Secretariat were jointly selected "
            "as the Technical Secretariat. Their tasks are to facilitate coordination among "
            "states, advance the technical work of the committees, avoid duplication with other "
            "regional processes and convene international organisations, civil society and the "
            "private sector. The Secretariat begins work on 1 November 2024 with a budget of "
            "US$4.5 million for its first two years.",
        ],
    ),
    (
        "6. Risks and recommendations",
        [
            "The main risk is dependence on a single funder. A change of policy in Washington "
            "after the November 2024 election could reduce both money and political attention, "
            "and the Safe Mobility Offices would be the first programme affected because their "
            "referrals lead into the U.S. refugee programme. A second risk is uneven "
            "participation: three committees held no meeting in the twelve months to October "
            "2024.",
            "We recommend that Special Coordinators (a) ask the Technical Secretariat to publish "
            "a common reporting template before the fifth ministerial meeting; (b) agree which "
            "dormant committees should be merged; and (c) ask Canada, Mexico and Spain to state "
            "how their pathway commitments would continue if U.S. resettlement slowed.",
        ],
    ),
]

PDF_TABLES = {
    "packages": {
        "caption": "Table 1. The eleven action packages, their leads and status at October 2024",
        "note": "Source: Lima ministerial statement (6 October 2022); status rated by the Policy Analysis Unit.",
        "widths": (8, 62, 14, 40, 66),
        "rows": [
            ("No.", "Action package", "Pillar", "Lead", "Status (October 2024)"),
            (
                "1",
                "Integration and Support for Host Communities",
                "1",
                "Chile",
                "Active; three meetings held",
            ),
            (
                "2",
                "Temporary Protection and Regularization",
                "1",
                "Colombia",
                "Active; guidance note March 2024",
            ),
            (
                "3",
                "International Financing for Migrant-hosting Countries",
                "1",
                "Ecuador",
                "Slow; depends on bank boards",
            ),
            ("4", "Combatting Xenophobia", "1", "Peru", "Active; 2023 campaign"),
            ("5", "Labor Mobility", "2", "Mexico", "Active"),
            ("6", "Investing in Asylum", "2", "Canada", "Active"),
            (
                "7",
                "Refugee Resettlement and Complementary Pathways",
                "2",
                "Canada and Guyana",
                "Active",
            ),
            (
                "8",
                "Family Reunification and Alternative Migration Pathways",
                "2",
                "El Salvador",
                "No meeting in last 12 months",
            ),
            (
                "9",
                "Countering Human Smuggling and Trafficking",
                "3",
                "United States and Costa Rica",
                "Active",
            ),
            ("10", "Humane Border Management", "3", "Panama", "No meeting in last 12 months"),
            (
                "11",
                "Aligning Visa and Travel Standards",
                "3",
                "Argentina",
                "No meeting in last 12 months",
            ),
        ],
    },
    "safe_mobility": {
        "caption": "Table 2. Safe Mobility Offices: cumulative figures",
        "note": "Source: U.S. Department of State; figures rounded to the nearest hundred.",
        "widths": (50, 45, 50, 45),
        "rows": [
            ("As of", "Applications", "Referred to USRAP", "Arrived in the U.S."),
            ("March 2024", "172,600", "27,400", "7,600"),
            ("30 September 2024", "214,900", "38,700", "16,200"),
        ],
    },
    "financing": {
        "caption": "Table 3. U.S. assistance announced at ministerial meetings",
        "note": "Source: U.S. fact sheets issued after each meeting; amounts are not adjusted for inflation.",
        "widths": (45, 45, 40, 60),
        "rows": [
            ("Meeting", "Date", "Amount (US$)", "Note"),
            (
                "First ministerial, Lima",
                "6 October 2022",
                "over 240 million",
                "State Department only",
            ),
            (
                "Third ministerial, Guatemala City",
                "7 May 2024",
                "578 million",
                "Humanitarian, development, economic",
            ),
            (
                "Fourth ministerial, New York",
                "25 September 2024",
                "over 686 million",
                "Brings 2024 total above 1.2 billion",
            ),
        ],
    },
}


def check_latin1(texts):
    bad = {"\u2018", "\u2019", "\u201c", "\u201d", "\u2013", "\u2014", "\u2026"}
    for t in texts:
        t.encode("latin-1")
        for ch in bad:
            if ch in t:
                raise ValueError(f"typographic character {ch!r} in PDF text: {t[:60]}")


def all_pdf_texts():
    out = [PDF_TITLE, PDF_RUNNING_HEADER, *PDF_FRONT]
    for heading, paras in PDF_SECTIONS:
        out.append(heading)
        out.extend(p for p in paras if isinstance(p, str))
    for tab in PDF_TABLES.values():
        out.append(tab["caption"])
        out.append(tab["note"])
        for row in tab["rows"]:
            out.extend(row)
    return out


class ReportPDF(FPDF):
    def header(self):
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, PDF_RUNNING_HEADER, align="L")
        self.cell(
            0, 6, "Hemispheric Migration Studies Centre", align="R", new_x="LMARGIN", new_y="NEXT"
        )
        self.set_draw_color(150, 150, 150)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(5)
        self.set_text_color(0, 0, 0)

    def footer(self):
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def build_pdf(path):
    check_latin1(all_pdf_texts())
    pdf = ReportPDF(format="A4")
    pdf.set_title(PDF_TITLE)
    pdf.set_author("Policy Analysis Unit, Hemispheric Migration Studies Centre")
    pdf.set_creation_date(PDF_DATE)
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(20, 18, 20)
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, PDF_TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 10)
    for line in PDF_FRONT:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    for heading, paras in PDF_SECTIONS:
        top_level = heading.count(".") == 1 and heading.split(".")[1].startswith(" ")
        if pdf.get_y() > pdf.h - 45:
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 13 if top_level else 11)
        pdf.ln(2)
        pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        for p in paras:
            if isinstance(p, tuple):
                draw_table(pdf, PDF_TABLES[p[1]])
            else:
                pdf.set_font("Helvetica", "", 10.5)
                pdf.multi_cell(0, 5.5, p, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2.5)
    pdf.output(str(path))


def draw_table(pdf, tab):
    rows = tab["rows"]
    needed = 8 + 7 * len(rows) * 1.6
    if pdf.get_y() + needed > pdf.h - 25:
        pdf.add_page()
    pdf.ln(1)
    pdf.set_font("Helvetica", "B", 9.5)
    pdf.cell(0, 6, tab["caption"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    head = FontFace(emphasis="BOLD", fill_color=(220, 220, 220))
    with pdf.table(
        col_widths=tab["widths"],
        headings_style=head,
        line_height=5,
        text_align="LEFT",
        borders_layout="ALL",
        first_row_as_headings=True,
    ) as table:
        for r in rows:
            row = table.row()
            for cell in r:
                row.cell(cell)
    pdf.ln(6)
    pdf.set_font("Helvetica", "I", 8.5)
    pdf.multi_cell(0, 4.5, tab["note"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


# ---------------------------------------------------------------------------
# DOCX: briefing note on the Safe Mobility initiative
# ---------------------------------------------------------------------------

DOCX_NAME = "lad-safe-mobility-briefing-note.docx"
DOCX_TITLE = "Briefing Note: The Safe Mobility Initiative under the Los Angeles Declaration"
DOCX_CREATED = datetime.datetime(2025, 3, 14, 10, 30, 0)

# Blocks: ("title", text) ("meta", text) ("h1", text) ("h2", text) ("p", text)
# ("b1", text) bullet, ("b2", text) nested bullet, ("caption", text), ("table", key)
DOCX_BLOCKS = [
    ("title", DOCX_TITLE),
    ("meta", "Prepared for: Deputy Minister, Migration Policy Division"),
    ("meta", "Prepared by: Regional Affairs Desk, Americas Bureau"),
    ("meta", "Date: 14 March 2025    Classification: Unclassified"),
    ("h1", "1. Summary"),
    (
        "p",
        "The Safe Mobility initiative was the most visible practical product of the Los "
        "Angeles Declaration. Between June 2023 and January 2025 it gave people in four "
        "Latin American countries a free, appointment-based route to be screened for "
        "refugee resettlement and other lawful pathways, mainly to the United States but "
        "also to Canada and Spain. Following the suspension of the U.S. Refugee Admissions "
        "Program in January 2025, the initiative stopped accepting applications. This note "
        "sets out how it worked, what it achieved, and what its closure means for our "
        "commitments under the Declaration.",
    ),
    ("h1", "2. Background"),
    ("h2", "2.1 Origins"),
    (
        "p",
        "The United States announced regional processing centres in the spring of 2023, "
        "ahead of the end of the Title 42 public health order. By June 2023 they had been "
        "renamed Safe Mobility Offices and had opened in Colombia, Costa Rica and Guatemala. "
        "Ecuador followed on 18 October 2023. The offices were run by the International "
        "Organization for Migration (IOM) and UNHCR, with staff support from the U.S. "
        "Departments of State and Homeland Security. Early statements spoke of eventually "
        "opening around 100 sites across the region; that figure was never approached.",
    ),
    ("h2", "2.2 How the offices worked"),
    (
        "p",
        "An applicant registered online on the MovilidadSegura.org portal, in Spanish, "
        "English or Haitian Creole. IOM or UNHCR screened the registration and, if the "
        "person appeared eligible, offered an interview. The process was free at every "
        "stage, and the portal repeatedly warned against anyone asking for money.",
    ),
    ("b1", "Pathways considered at interview:"),
    ("b2", "refugee resettlement to the United States;"),
    (
        "b2",
        "family reunification parole for Colombians, Cubans, Haitians and Salvadorans, "
        "among others;",
    ),
    ("b2", "temporary labour visas, chiefly H-2A and H-2B;"),
    ("b2", "referral to Canada or Spain where those countries had places."),
    ("b1", "What the offices did not do:"),
    ("b2", "issue visas directly;"),
    ("b2", "guarantee travel to any country."),
    ("h1", "3. Eligibility by host country"),
    (
        "p",
        "Each host country set its own eligibility rules, usually a list of nationalities "
        "and a date by which the applicant had to be present in the country. Table 1 "
        "summarises the rules in force at the end of 2024.",
    ),
    ("caption", "Table 1. Safe Mobility Offices: opening dates and eligibility"),
    ("table", "eligibility"),
    ("h1", "4. Results"),
    (
        "p",
        "Demand far exceeded capacity. The figures in Table 2 are cumulative across the "
        "four countries. The March 2024 figures were the first region-wide totals released "
        "by the State Department; the December 2024 totals are the last reported before "
        "the initiative closed and supersede all earlier figures. In addition, about 1,350 "
        "people were referred to Canada and 420 to Spain over the life of the initiative.",
    ),
    ("caption", "Table 2. Safe Mobility Offices: cumulative results"),
    ("table", "results"),
    ("h1", "5. Closure in 2025"),
    (
        "b1",
        "20 January 2025: Executive Order 14163 suspends the U.S. Refugee Admissions "
        "Program with effect from 27 January 2025.",
    ),
    (
        "b2",
        "The State Department cancels all previously scheduled refugee travel, including "
        "that of Safe Mobility referrals.",
    ),
    (
        "b2",
        "Case-by-case admission remains possible by joint decision of the Secretaries of "
        "State and Homeland Security.",
    ),
    (
        "b1",
        "By 31 January 2025: the portal states that the initiative is no longer active "
        "and that new applications will not be accepted.",
    ),
    ("b2", "About 12,800 referred cases were awaiting a decision at closure."),
    (
        "b2",
        "Toll-free lines remain open in the four countries to warn about fraud, for "
        "example 0800 032 0009 in Costa Rica.",
    ),
    ("h1", "6. Issues for the Deputy Minister"),
    ("b1", "Credibility of the Declaration's second pillar:"),
    (
        "b2",
        "Safe Mobility was the main evidence that lawful pathways could replace irregular "
        "journeys through the Darien; its closure weakens that argument.",
    ),
    (
        "b2",
        "Canada and Spain took fewer than 2,000 referrals between them and cannot absorb "
        "the pending U.S. caseload.",
    ),
    ("b1", "Host-country pressure:"),
    (
        "b2",
        "Colombia, Costa Rica, Ecuador and Guatemala now hold applicants who had expected "
        "onward travel.",
    ),
    (
        "b2",
        "Colombia, which holds the rotating presidency in 2025, is likely to raise this at "
        "the fifth ministerial meeting.",
    ),
    ("h1", "7. Recommendations"),
    (
        "p",
        "We recommend that the Deputy Minister (a) ask the Technical Secretariat run by the "
        "Pan American Development Foundation and the OAS to compile the number of pending "
        "cases by host country; (b) explore with Canada whether its resettlement target of "
        "4,000 refugees from the Americas by 2028 could be brought forward; and (c) support "
        "Colombia's proposal to hold the fifth ministerial meeting in Bogota in the second "
        "half of 2025.",
    ),
]

DOCX_TABLES = {
    "eligibility": [
        ("Host country", "Opened", "Eligible nationalities", "Presence required by"),
        ("Colombia", "June 2023", "Cuban, Haitian, Venezuelan", "11 June 2023"),
        ("Costa Rica", "June 2023", "Nicaraguan, Venezuelan", "12 June 2023"),
        ("Guatemala", "June 2023", "Guatemalan only", "Not applicable"),
        (
            "Ecuador",
            "18 October 2023",
            "Colombian, Cuban, Haitian, Nicaraguan, Venezuelan",
            "18 October 2023",
        ),
    ],
    "results": [
        ("As of", "Applications", "Referred to USRAP", "Arrived in the U.S."),
        ("March 2024", "172,600", "27,400", "7,600"),
        ("30 September 2024", "214,900", "38,700", "16,200"),
        ("31 December 2024", "236,400", "44,100", "21,900"),
    ],
}


def build_docx(path):
    doc = Document()
    doc.core_properties.title = DOCX_TITLE
    doc.core_properties.created = DOCX_CREATED
    doc.core_properties.author = "Regional Affairs Desk, Americas Bureau"
    doc.core_properties.subject = "Los Angeles Declaration on Migration and Protection"
    for kind, val in DOCX_BLOCKS:
        if kind == "title":
            doc.add_paragraph(val, style="Title")
        elif kind == "meta":
            para = doc.add_paragraph()
            run = para.add_run(val)
            run.italic = True
            run.font.size = Pt(10)
        elif kind == "h1":
            doc.add_heading(val, level=1)
        elif kind == "h2":
            doc.add_heading(val, level=2)
        elif kind == "p":
            doc.add_paragraph(val)
        elif kind == "b1":
            doc.add_paragraph(val, style="List Bullet")
        elif kind == "b2":
            doc.add_paragraph(val, style="List Bullet 2")
        elif kind == "caption":
            doc.add_paragraph(val, style="Caption")
        elif kind == "table":
            rows = DOCX_TABLES[val]
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for i, r in enumerate(rows):
                for j, text in enumerate(r):
                    cell = table.cell(i, j)
                    cell.text = text
                    if i == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
            doc.add_paragraph()
        else:
            raise ValueError(kind)
    doc.save(str(path))


if __name__ == "__main__":
    CORPUS.mkdir(exist_ok=True)
    build_pdf(CORPUS / PDF_NAME)
    build_docx(CORPUS / DOCX_NAME)
    print("wrote", CORPUS / PDF_NAME)
    print("wrote", CORPUS / DOCX_NAME)
