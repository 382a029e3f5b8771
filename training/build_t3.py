"""Build the t3 PDF and DOCX training documents from the text kept in this script.

    /work/main/.venv/bin/python training/build_t3.py

Writes training/corpus/t3-darien-border-returns.pdf and
training/corpus/t3-climate-statelessness.docx.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from fpdf import FPDF
from fpdf.fonts import FontFace

CORPUS = Path(__file__).resolve().parent / "corpus"

# ---------------------------------------------------------------------------
# PDF: Darién crossing, border management, returns and reintegration
# ---------------------------------------------------------------------------

PDF_TITLE = "Darién Crossing, Borders and Returns: Briefing Note"
PDF_HEADER = "Regional Mobility Briefing No. 7 - Darién, borders and returns - April 2025"

PDF_SECTIONS: list[tuple[str, list[object]]] = [
    (
        "1. Purpose and scope",
        [
            "This note summarises what is publicly known about irregular crossings of the "
            "Darién, the roadless stretch of jungle on the border between Colombia and Panama, "
            "and about the border management and return measures adopted since the Los Angeles "
            "Declaration on Migration and Protection was signed on 10 June 2022. Humane migration "
            "management is the third pillar of the Declaration. It asks states to manage borders "
            "in a way that respects human rights, to fight migrant smuggling, and to carry out "
            "returns that are safe and dignified and consistent with the principle of "
            "non-refoulement. The note was prepared in April 2025 and replaces Briefing No. 4 of "
            "September 2023, several of whose figures are corrected in section 6.",
        ],
    ),
    (
        "2. Crossings by year",
        [
            "Panama's National Migration Service (SNM) registers people at reception stations on "
            "the northern edge of the jungle, chiefly at Lajas Blancas and, earlier, San Vicente. "
            "Its annual totals are the standard source. Crossings fell sharply in 2020 because of "
            "pandemic border closures and then rose almost every year until 2024.",
            "TABLE",
            "The 2023 total of 520,085 is the highest ever recorded and is more than double the "
            "2022 figure. The 2024 total of 302,203 is 41 per cent lower than 2023. Venezuelans "
            "were the largest group in both years: about 51 per cent in the first half of 2023 "
            "and about 69 per cent across 2024. Ecuadorians were the third largest group in the "
            "first half of 2023, with 25,105 people, behind Venezuelans and Haitians.",
        ],
    ),
    (
        "3. Who crosses and at what cost",
        [
            "The route takes most people between three and ten days on foot. Panama's Ombudsman "
            "reported that 9,683 of about 50,000 people who crossed in January and February 2023 "
            "were under 18, seven times more minors than in the same months of 2022. By the end "
            "of July 2023 more than one fifth of all people registered that year were children "
            "or adolescents, and half of those children were aged five or younger.",
            "Deaths are undercounted because many bodies are never recovered. For 2024 the "
            "Panamanian authorities recorded at least 55 deaths and 180 children found "
            "unaccompanied or abandoned. Humanitarian agencies also document robbery, sexual "
            "violence and extortion by criminal groups that control the Colombian side.",
        ],
    ),
    (
        "4. Border management measures",
        [
            "Panama's approach changed when José Raúl Mulino took office as president on "
            "1 July 2024. The same day, Panama's Foreign Minister Javier Martínez-Acha and the "
            "United States Secretary of Homeland Security Alejandro Mayorkas signed a memorandum of "
            "understanding under which the United States pays for the removal by air of people "
            "who enter Panama irregularly and have no legal basis to stay. Washington initially "
            "pledged USD 6 million; the U.S. embassy later said about USD 14 million had been "
            "provided to cover tickets, escorts, interpreters and related costs.",
            "Other measures included barbed-wire fencing on several jungle trails, more patrols "
            "by the National Border Service (SENAFRONT), and the channelling of those who did "
            "cross into a single humanitarian corridor with bus transfers to the Costa Rican "
            "border. Colombia did not adopt equivalent measures on its side.",
        ],
    ),
    (
        "5. Returns and reintegration",
        [
            "Removal flights under the memorandum began in August 2024. The first flights carried "
            "Colombian and Ecuadorian nationals; later flights went to India, China and, in "
            "2025, to several countries in Africa and South Asia, including Cameroon, Nepal, "
            "Bangladesh, Vietnam and Sri Lanka. By April 2025 the U.S. embassy counted 1,969 "
            "people removed under the programme since August 2024. An end-of-2024 figure of "
            "more than 1,500 removals is sometimes quoted; it is an earlier count of the same "
            "programme, not a separate one.",
            "Reintegration support is weaker than removal capacity. The note distinguishes three "
            "stages:",
            [
                "reception on arrival, such as the Returned Migrant Reception Centre at the La "
                "Aurora air base in Guatemala City and IOM-supported reception points in "
                "Honduras and El Salvador;",
                "short-term assistance, typically a transport allowance, a hygiene kit, a phone "
                "call and a medical check in the first 72 hours;",
                "medium-term reintegration, such as job placement, skills certification and "
                "small business grants, which reaches only a minority of returnees.",
            ],
            "For planning purposes this note assumes that about one returnee in five receives "
            "any medium-term support; that ratio is an estimate, not an official statistic.",
        ],
    ),
    (
        "6. Corrections to earlier figures",
        [
            "Briefing No. 4 (September 2023) reported Panama's projection that 400,000 people "
            "would cross in 2023, a figure given by Public Security Minister Juan Manuel Pino. The "
            "actual total, 520,085, overtook that projection in October 2023. Briefing No. 4 also "
            "gave 248,901 crossings 'for 2023'; that number was the count to 30 July 2023 only.",
            "For 2024, a mid-year figure of 238,185 crossings covered January to August, compared "
            "with 333,704 in the same eight months of 2023, a 30 per cent fall. The full-year "
            "decline is larger, 41 per cent, because crossings almost stopped at the end of the "
            "year. By April 2025 monthly crossings had fallen to double digits: 73 people were "
            "recorded in one month, against 29,259 in April 2024, and only 2,904 had crossed in "
            "2025 so far, against more than 126,000 in the same period of 2024. A reverse flow of "
            "7,757 people travelling south had been registered since January 2025, mostly "
            "Venezuelans, followed by Colombians, Peruvians and Ecuadorians.",
        ],
    ),
]

PDF_TABLE = [
    ("Year", "Registered crossings", "Change on previous year", "Main nationalities"),
    ("2021", "about 133,000", "record at the time", "Haitian, Cuban"),
    ("2022", "about 248,000", "nearly doubled", "Venezuelan, Ecuadorian"),
    ("2023", "520,085", "more than doubled", "Venezuelan, Haitian, Ecuadorian"),
    ("2024", "302,203", "down 41 per cent", "Venezuelan (about 69 per cent)"),
]


class BriefingPDF(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, PDF_HEADER, align="L")
        self.ln(4)
        self.set_draw_color(150, 150, 150)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(6)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")


def build_pdf(path: Path) -> None:
    pdf = BriefingPDF(format="A4")
    pdf.set_title(PDF_TITLE)
    pdf.set_author("Regional Mobility Briefings")
    pdf.set_creation_date(dt.datetime(2025, 4, 22, tzinfo=dt.UTC))
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(25, 18, 25)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, PDF_TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        0,
        6,
        "Prepared 22 April 2025. Replaces Briefing No. 4 (September 2023).",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    for heading, blocks in PDF_SECTIONS:
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        for block in blocks:
            if block == "TABLE":
                pdf.set_font("Helvetica", "B", 10)
                pdf.multi_cell(
                    0, 6, "Table 1. Darién crossings, 2021-2024", new_x="LMARGIN", new_y="NEXT"
                )
                pdf.set_font("Helvetica", "", 9)
                with pdf.table(
                    col_widths=(14, 30, 30, 46),
                    headings_style=FontFace(emphasis="BOLD", fill_color=(220, 220, 220)),
                    borders_layout="ALL",
                    line_height=6,
                ) as table:
                    for row in PDF_TABLE:
                        table.row(row)
                pdf.ln(2)
                pdf.set_font("Helvetica", "I", 8.5)
                pdf.multi_cell(
                    0,
                    5,
                    "Source: Panama, National Migration Service (SNM). Figures "
                    "for 2021 and 2022 are rounded.",
                    new_x="LMARGIN",
                    new_y="NEXT",
                )
                pdf.ln(4)
                continue
            pdf.set_font("Helvetica", "", 11.5)
            if isinstance(block, list):
                for item in block:
                    pdf.set_x(pdf.l_margin + 5)
                    pdf.multi_cell(0, 6.4, "- " + item, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
            else:
                pdf.multi_cell(0, 6.4, block, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2.5)
        pdf.ln(2)
    pdf.output(str(path))


# ---------------------------------------------------------------------------
# DOCX: climate-related displacement and statelessness
# ---------------------------------------------------------------------------

DOCX_TITLE = "Climate-Related Displacement and Statelessness in the Americas: Policy Brief"


def build_docx(path: Path) -> None:
    doc = Document()
    doc.core_properties.title = DOCX_TITLE
    doc.core_properties.author = "Protection Policy Unit"
    doc.core_properties.created = dt.datetime(2025, 1, 20, 9, 0, 0)

    doc.add_paragraph(DOCX_TITLE, style="Title")
    doc.add_paragraph(
        "Prepared January 2025 for officials following the protection commitments of the Los "
        "Angeles Declaration on Migration and Protection. Replaces the July 2023 edition."
    )

    doc.add_paragraph("1. Why these two topics sit together", style="Heading 1")
    doc.add_paragraph(
        "The Los Angeles Declaration, adopted on 10 June 2022 at the Ninth Summit of the "
        "Americas, commits endorsing states to protect the safety and dignity of all migrants, "
        "refugees, asylum seekers and stateless persons regardless of migratory status. It also "
        "recognises that environmental conditions, including the effects of climate change, are "
        "among the drivers of displacement. Both themes gained weight at the meeting hosted by "
        "the United States and Belize on 23 June 2023 at World Bank headquarters in Washington, "
        "D.C., which marked the Declaration's first anniversary. Endorsing countries there chose "
        "the impact of climate change on migration as a focus and agreed to meet the following "
        "month to identify concrete actions. Belize's Foreign Minister Eamon Courtenay and U.S. "
        "Secretary of State Antony Blinken jointly called for policies that prevent and resolve "
        "statelessness."
    )

    doc.add_paragraph("2. Climate-related displacement", style="Heading 1")
    doc.add_paragraph("2.1 Patterns in the region", style="Heading 2")
    doc.add_paragraph(
        "Most climate-related displacement in the Americas is internal and short-lived, but "
        "repeated disasters erode livelihoods and feed later cross-border movement. The brief "
        "groups the hazards as follows:"
    )
    for text, level in [
        ("Sudden-onset hazards", 0),
        ("hurricanes and tropical storms, above all in Central America and the Caribbean", 1),
        ("floods and landslides in the Andes and in southern Brazil", 1),
        ("Slow-onset hazards", 0),
        (
            "drought in the Central American Dry Corridor, which covers parts of Guatemala, "
            "Honduras, El Salvador and Nicaragua",
            1,
        ),
        (
            "sea-level rise and coastal erosion affecting low-lying Caribbean states and the "
            "Guna Yala islands of Panama",
            1,
        ),
        ("Compound crises, where disaster follows violence or economic collapse, as in Haiti", 0),
    ]:
        doc.add_paragraph(text, style="List Bullet" if level == 0 else "List Bullet 2")

    doc.add_paragraph("2.2 Selected events", style="Heading 2")
    cap = doc.add_paragraph(
        "Table 1. Selected disasters and displacement figures used in this brief", style="Caption"
    )
    cap.paragraph_format.keep_with_next = True
    events = [
        ("Event", "Date", "Countries most affected", "Displacement figure"),
        (
            "Hurricanes Eta and Iota",
            "November 2020",
            "Honduras, Guatemala, Nicaragua",
            "about 1.5 million displacements across Central America",
        ),
        ("Haiti earthquake", "14 August 2021", "Haiti", "about 137,000 homes damaged or destroyed"),
        ("Rio Grande do Sul floods", "May 2024", "Brazil", "more than 580,000 people displaced"),
        (
            "Dry Corridor drought",
            "2014 onwards",
            "Guatemala, Honduras, El Salvador",
            "no reliable cross-border count",
        ),
    ]
    table = doc.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    for row in events:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = value
    doc.add_paragraph()

    doc.add_paragraph("2.3 Protection tools", style="Heading 2")
    doc.add_paragraph(
        "No country in the region has a refugee status specifically for climate displacement. "
        "States instead use humanitarian visas, temporary protection and the broader refugee "
        "definition of the 1984 Cartagena Declaration, which covers people fleeing "
        "circumstances that have seriously disturbed public order. On 12 December 2024, "
        "to mark the Cartagena Declaration's fortieth anniversary, 23 countries and one "
        "territory, the British Virgin Islands, endorsed the Chile Declaration and a ten-year "
        "Plan of Action in Santiago. The Plan treats disaster and climate displacement as a "
        "protection issue in its own right."
    )

    doc.add_paragraph("3. Statelessness", style="Heading 1")
    doc.add_paragraph("3.1 Who is at risk", style="Heading 2")
    for text, level in [
        ("Children born abroad to parents who cannot register them", 0),
        (
            "children born in Colombia to Venezuelan parents, who could not obtain Venezuelan "
            "nationality through consulates closed in 2019",
            1,
        ),
        ("children born in transit, including on the Darién route", 1),
        ("Persons of Haitian descent in the Dominican Republic", 0),
        ("affected by Constitutional Court ruling TC/0168/13 of September 2013", 1),
        ("Migrants whose documents have expired and cannot be renewed", 0),
    ]:
        doc.add_paragraph(text, style="List Bullet" if level == 0 else "List Bullet 2")

    doc.add_paragraph("3.2 National measures", style="Heading 2")
    cap2 = doc.add_paragraph(
        "Table 2. National measures to prevent or resolve statelessness", style="Caption"
    )
    cap2.paragraph_format.keep_with_next = True
    measures = [
        ("Country", "Measure", "Year", "Reported result"),
        (
            "Colombia",
            "'Primero la Niñez': nationality for children of Venezuelan parents born in Colombia",
            "August 2019",
            "more than 45,000 children in the first year; over 100,000 by 2023",
        ),
        (
            "Brazil",
            "Statelessness determination under Migration Law 13.445",
            "2017",
            "Maha and Souad Mamo first recognised as stateless, June 2018",
        ),
        (
            "Costa Rica",
            "Statelessness determination procedure",
            "2016",
            "first recognitions in 2017",
        ),
        (
            "Dominican Republic",
            "Naturalisation law 169-14 for those affected by TC/0168/13",
            "May 2014",
            "large backlog remains",
        ),
    ]
    table2 = doc.add_table(rows=0, cols=4)
    table2.style = "Table Grid"
    for row in measures:
        cells = table2.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = value
    doc.add_paragraph()

    doc.add_paragraph("4. Updates since the July 2023 edition", style="Heading 1")
    for text, level in [
        (
            "Colombia: the July 2023 edition gave 'more than 45,000' children covered by Primero "
            "la Niñez. That was the first-year total; the current figure is over 100,000.",
            0,
        ),
        (
            "Haiti: the earlier edition gave about 130,000 homes damaged or destroyed by the "
            "August 2021 earthquake; the revised figure is about 137,000.",
            0,
        ),
        (
            "Brazil: the May 2024 Rio Grande do Sul floods are new in this edition; early "
            "reports of about 400,000 displaced were later raised above 580,000.",
            0,
        ),
        (
            "Regional framework: the Chile Declaration (December 2024) did not exist in 2023 and "
            "is now the main reference alongside the Los Angeles Declaration.",
            0,
        ),
        ("Open points for 2025:", 0),
        ("a shared regional definition of disaster displacement", 1),
        ("birth registration in transit countries, especially Panama and Costa Rica", 1),
    ]:
        doc.add_paragraph(text, style="List Bullet" if level == 0 else "List Bullet 2")

    doc.save(str(path))


def main() -> None:
    CORPUS.mkdir(parents=True, exist_ok=True)
    build_pdf(CORPUS / "t3-darien-border-returns.pdf")
    build_docx(CORPUS / "t3-climate-statelessness.docx")


if __name__ == "__main__":
    main()
