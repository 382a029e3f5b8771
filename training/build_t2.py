"""Build writer t2's PDF and DOCX training documents from the text kept in this script.

    /work/main/.venv/bin/python training/build_t2.py

Writes training/corpus/t2-resettlement-targets-briefing.pdf and
training/corpus/t2-funding-ledger.docx. The Markdown, HTML and plain-text files of this
writer are written by hand and are not touched here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Pt
from fpdf import FPDF

CORPUS = Path(__file__).resolve().parent / "corpus"

# --------------------------------------------------------------------------------------
# PDF: refugee resettlement targets briefing note
# --------------------------------------------------------------------------------------

PDF_TITLE = "Refugee Resettlement Targets in the Americas, FY2022-FY2025"
PDF_DATE = dt.datetime(2024, 10, 21)
PDF_HEADER = "Regional Protection Briefing Series No. 7 - Resettlement targets under the Los Angeles Declaration"

# Each section: (heading, [paragraphs]) ; a paragraph that is the string "TABLE" marks
# where the ruled table goes.
PDF_SECTIONS: list[tuple[str, list[str]]] = [
    (
        "Section 1. Purpose and summary",
        [
            "This note sets out the refugee resettlement targets announced by governments "
            "that endorsed the Los Angeles Declaration on Migration and Protection, adopted "
            "at the Ninth Summit of the Americas on 10 June 2022, and compares them with "
            "what is known about actual arrivals. It is written for programme staff who "
            "need to quote the right number for the right year.",
            "In short: the United States raised the share of its annual refugee ceiling "
            "reserved for Latin America and the Caribbean from 15,000 places in fiscal year "
            "2023 to a range of 35,000 to 50,000 places in fiscal years 2024 and 2025, "
            "inside an unchanged global ceiling of 125,000. Canada committed to resettle "
            "4,000 additional people from the Americas by 2028. Arrivals lagged well "
            "behind the targets in the first year and caught up only in the second.",
        ],
    ),
    (
        "Section 2. The two-year pledge of June 2022",
        [
            "At the Summit the United States said it would resettle up to 20,000 refugees "
            "from Latin America and the Caribbean during fiscal years 2023 and 2024. The "
            "White House restated the same figure on 5 January 2023, describing it as "
            "putting the country on course to more than triple Western Hemisphere refugee "
            "admissions in a single year. The 20,000 figure is a two-year total; it is not "
            "an annual ceiling, and it should not be confused with the 20,000 H-2B work "
            "visas that the United States reserved for northern Central America and Haiti "
            "for fiscal year 2023.",
            "United States fiscal years begin on 1 October. Fiscal year 2023 therefore "
            "covers October 2022 to September 2023, and fiscal year 2024 covers October "
            "2023 to September 2024. Press reports that speak of '2023' without saying "
            "whether they mean the calendar or the fiscal year are a frequent source of "
            "mismatched figures.",
        ],
    ),
    (
        "Section 3. United States ceilings and arrivals",
        [
            "Each year the President signs a Presidential Determination that sets a global "
            "ceiling and regional allocations. The ceiling is a maximum, not a quota that "
            "must be filled. The table below gives the allocation for Latin America and the "
            "Caribbean alongside reported or estimated arrivals from the region.",
            "TABLE",
            "Two cautions apply to the table. First, the fiscal year 2023 arrival figure of "
            "about 5,500 was reported for the period ending 31 August 2023, one month before "
            "the year closed; the full-year figure was somewhat higher, at roughly 6,300. "
            "Second, the global figure of 100,000 resettled in fiscal year 2024, which "
            "Secretary of State Antony Blinken called the largest annual number in three "
            "decades, covers all regions, not only the Americas.",
            "The fiscal year 2024 determination, signed on 29 September 2023, also removed "
            "the unallocated reserve used in earlier years and cut the Europe and Central "
            "Asia range from 15,000 to between 2,000 and 3,000. The fiscal year 2025 "
            "determination, signed on 30 September 2024, kept the same regional ranges, "
            "with 35,000 to 50,000 places again reserved for Latin America and the "
            "Caribbean, and listed persons in Cuba, El Salvador, Guatemala and Honduras "
            "among those who may be processed in their own country.",
        ],
    ),
    (
        "Section 4. Canada",
        [
            "Canada's resettlement pledge was announced by the White House fact sheet of "
            "10 June 2022 and confirmed by Prime Minister Justin Trudeau in Los Angeles: "
            "4,000 additional refugees and other protected persons from the Americas by "
            "2028. Asked why a G7 country would take so few, Foreign Affairs Minister "
            "Melanie Joly argued that Canada already does a great deal. The 4,000 figure "
            "is cumulative over six years and sits alongside, but is separate from, Canada's "
            "spending of C$26.9 million in 2022-23 and its longstanding seasonal "
            "agricultural worker schemes.",
        ],
    ),
    (
        "Section 5. Processing in the region",
        [
            "Targets only matter if cases can be referred and processed. In June 2023 the "
            "United States and Costa Rica agreed a six-month pilot under which Nicaraguans "
            "and Venezuelans with pending asylum claims in Costa Rica could be considered "
            "for refugee processing or other lawful pathways. About 240,000 people were "
            "then waiting for an asylum decision in Costa Rica; Public Security Minister "
            "Mario Zamora said only applications lodged before 12 June 2023 would qualify, "
            "and officials expected to handle about 1,000 cases a month, with UNHCR and IOM "
            "helping to identify eligible people.",
            "Referrals from processing points in Colombia, Costa Rica, Ecuador and "
            "Guatemala are treated in a separate briefing in this series and are not "
            "counted here.",
        ],
    ),
    (
        "Section 6. Figures that are easily confused",
        [
            "First, 15,000 is the fiscal year 2023 regional allocation; 20,000 is the two-year "
            "pledge for fiscal years 2023 and 2024 combined. Second, 35,000 to 50,000 is a "
            "range, and applies to both fiscal year 2024 and fiscal year 2025. Third, 125,000 "
            "is the global ceiling for every year from fiscal year 2022 to fiscal year "
            "2025, while 100,000 is the number actually resettled worldwide in fiscal year "
            "2024. Fourth, Canada's 4,000 runs to 2028 and is not comparable with annual "
            "United States figures.",
            "Figures in this note are current to 21 October 2024 and replace those in "
            "Briefing No. 4 (March 2023), which gave the fiscal year 2024 allocation as "
            "'about 20,000'. That estimate was made before the determination was signed.",
        ],
    ),
]

PDF_TABLE_HEADER = ["Fiscal year", "Global ceiling", "LAC allocation", "LAC arrivals", "Note"]
PDF_TABLE_ROWS = [
    ["FY2021", "62,500", "5,000", "about 1,000", "all-region total 11,411"],
    ["FY2022", "125,000", "15,000", "about 2,500", "before the pledge"],
    ["FY2023", "125,000", "15,000", "about 6,300", "5,500 by 31 Aug 2023"],
    ["FY2024", "125,000", "35,000-50,000", "about 32,000", "100,000 all regions"],
    ["FY2025", "125,000", "35,000-50,000", "not yet known", "signed 30 Sep 2024"],
]


class BriefingPDF(FPDF):
    def header(self) -> None:
        if self.page_no() == 1:  # the cover page carries the title instead of the running header
            return
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, PDF_HEADER, border="B", new_x="LMARGIN", new_y="NEXT", align="L")
        self.ln(10)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")


def build_pdf(path: Path) -> None:
    pdf = BriefingPDF(format="A4")
    pdf.set_title(PDF_TITLE)
    pdf.set_author("Regional Protection Briefing Series")
    pdf.set_creation_date(PDF_DATE)
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(22, 18, 22)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, PDF_TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 6, "Briefing note dated 21 October 2024.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    for heading, paragraphs in PDF_SECTIONS:
        if pdf.get_y() > 240:
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        for para in paragraphs:
            if para == "TABLE":
                draw_table(pdf)
                continue
            pdf.set_font("Helvetica", "", 10.5)
            pdf.multi_cell(0, 5.5, para, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(6)
        # each of the later sections starts on a fresh page so the note runs to several pages
        if heading.startswith(("Section 2.", "Section 4.")):
            pdf.add_page()
    pdf.output(str(path))


def draw_table(pdf: FPDF) -> None:
    pdf.set_font("Helvetica", "B", 9)
    pdf.multi_cell(
        0,
        5,
        "Table 1. US refugee ceilings and Latin America/Caribbean (LAC) arrivals.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    with pdf.table(
        col_widths=(22, 26, 30, 30, 46),
        text_align="LEFT",
        line_height=9,
        borders_layout="ALL",
        first_row_as_headings=True,
    ) as table:
        header = table.row()
        for cell in PDF_TABLE_HEADER:
            header.cell(cell)
        pdf.set_font("Helvetica", "", 9)
        for values in PDF_TABLE_ROWS:
            row = table.row()
            for cell in values:
                row.cell(cell)
    pdf.ln(6)


# --------------------------------------------------------------------------------------
# DOCX: funding ledger
# --------------------------------------------------------------------------------------

DOCX_TITLE = (
    "Money behind the Los Angeles Declaration: a funding ledger, June 2022 to September 2024"
)
DOCX_CREATED = dt.datetime(2024, 10, 2, 9, 0, 0)

DOCX_INTRO = (
    "This ledger lists the funding announcements made under, or in the name of, the Los "
    "Angeles Declaration on Migration and Protection between its adoption on 10 June 2022 "
    "and the fourth ministerial meeting in New York on 25 September 2024. Amounts are in US "
    "dollars unless marked C$ (Canadian dollars) or BZ$ (Belize dollars). An announcement "
    "is not a disbursement: figures below are what governments said they would provide, "
    "and some of them overlap with money already counted elsewhere."
)

DOCX_LEDGER_ROWS = [
    [
        "10 June 2022",
        "Summit of the Americas, Los Angeles",
        "United States",
        "$314 million",
        "Humanitarian and development aid for refugees, migrants and host communities",
    ],
    [
        "10 June 2022",
        "Summit of the Americas, Los Angeles",
        "Canada",
        "C$26.9 million",
        "2022-23 programmes on integration, border management and smuggling",
    ],
    [
        "6 October 2022",
        "First ministerial, Lima",
        "United States",
        "$240 million",
        "New regional humanitarian assistance announced by Antony Blinken",
    ],
    [
        "mid-2023",
        "US commitments register",
        "United States",
        "nearly $817 million",
        "All new assistance announced since September 2022, including the Lima $240 million",
    ],
    [
        "3 November 2023",
        "Americas Partnership Leaders' Summit, Washington",
        "United States",
        "nearly $485 million",
        "Humanitarian aid: over $310 million from PRM, over $174 million from USAID",
    ],
    [
        "7 May 2024",
        "Third ministerial, Guatemala City",
        "United States",
        "$578 million",
        "Humanitarian, development and economic assistance",
    ],
    [
        "25 September 2024",
        "Fourth ministerial, New York",
        "United States",
        "over $685 million",
        "Brings announced US support for 2024 to more than $1.2 billion",
    ],
]

DOCX_SPLIT_ROWS = [
    [
        "State Department, Bureau of Population, Refugees, and Migration",
        "nearly $103 million",
        "Humanitarian aid for Venezuelan refugees and migrants",
    ],
    [
        "USAID Bureau for Humanitarian Assistance",
        "$171 million",
        "Food and humanitarian aid in Brazil, Colombia, Ecuador, Peru and inside Venezuela",
    ],
    [
        "USAID Bureau for Latin America and the Caribbean",
        "$40 million",
        "Integration in Colombia, Ecuador, Brazil, Costa Rica, Panama and Belize",
    ],
]


def add_captioned_table(
    doc: Document, caption: str, header: list[str], rows: list[list[str]]
) -> None:
    doc.add_paragraph(caption, style="Caption")
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values):
            cell.text = text
    doc.add_paragraph()


def bullet(doc: Document, text: str, level: int = 0) -> None:
    style = "List Bullet" if level == 0 else "List Bullet 2"
    doc.add_paragraph(text, style=style)


def build_docx(path: Path) -> None:
    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)
    props = doc.core_properties
    props.title = DOCX_TITLE
    props.created = DOCX_CREATED
    props.author = "Migration Finance Desk"

    doc.add_paragraph(DOCX_TITLE, style="Title")
    doc.add_paragraph("Ledger edition of 2 October 2024, updated after the New York ministerial.")

    doc.add_heading("Section 1. Scope", level=1)
    doc.add_paragraph(DOCX_INTRO)

    doc.add_heading("Section 2. The ledger", level=1)
    add_captioned_table(
        doc,
        "Table 1. Funding announcements linked to the Los Angeles Declaration, 2022-2024",
        ["Date", "Occasion", "Donor", "Amount", "What it covers"],
        DOCX_LEDGER_ROWS,
    )
    doc.add_paragraph(
        "The two biggest single announcements came at ministerial meetings in 2024: $578 "
        "million in Guatemala City in May and more than $685 million in New York in "
        "September. They should not be added to the 2024 total a second time, because the "
        "State Department's figure of more than $1.2 billion for 2024 already includes both."
    )

    doc.add_heading("Section 3. Inside the June 2022 figure", level=1)
    doc.add_paragraph(
        "The $314 million announced in Los Angeles was made up of three streams, two "
        "humanitarian and one for development:"
    )
    add_captioned_table(
        doc,
        "Table 2. Composition of the United States' $314 million, June 2022",
        ["Source", "Amount", "Purpose"],
        DOCX_SPLIT_ROWS,
    )
    doc.add_paragraph(
        "Separately, the United States identified $25 million for the Global Concessional "
        "Financing Facility, which lowers borrowing costs for middle-income countries that "
        "host refugees, such as Colombia, Ecuador and Costa Rica."
    )

    doc.add_heading("Section 4. Inside the September 2024 figure", level=1)
    doc.add_paragraph("Secretary of State Antony Blinken's announcement in New York included:")
    bullet(doc, "$369 million for refugees, vulnerable migrants and host countries.")
    bullet(doc, "$228 million in emergency food assistance for Venezuelans, split across:")
    bullet(doc, "Colombia", level=1)
    bullet(doc, "Ecuador", level=1)
    bullet(doc, "Peru", level=1)
    bullet(
        doc,
        "$10 million for a World Bank programme in Latin America and the Caribbean that "
        "benefits both refugees and their hosts.",
    )
    bullet(doc, "Support for the new technical secretariat, with Colombia as the first chair.")
    doc.add_paragraph(
        "Colombian Foreign Minister Luis Gilberto Murillo told the same meeting that Colombia "
        "hosts nearly 3 million Venezuelans, of whom 2.5 million have regular status, and that "
        "the response has cost the country close to 1 per cent of its GDP."
    )

    doc.add_heading("Section 5. Other donors and national spending", level=1)
    bullet(doc, "Canada")
    bullet(doc, "C$26.9 million for 2022-23 migration programmes in the region.", level=1)
    bullet(
        doc,
        "C$118 million for wider development work announced at the Summit, including "
        "C$67.9 million for gender equality, C$31.5 million for health and C$17.3 million "
        "for democratic governance.",
        level=1,
    )
    bullet(doc, "Belize")
    bullet(
        doc,
        "About BZ$3 million of its own money for the Amnesty 2022 regularisation programme.",
        level=1,
    )
    bullet(doc, "Colombia")
    bullet(
        doc,
        "Nearly 1 per cent of GDP a year on services for Venezuelan migrants, by "
        "the government's own estimate.",
        level=1,
    )

    doc.add_heading("Section 6. Corrections to earlier editions", level=1)
    bullet(
        doc,
        "2 October 2024: the May 2024 edition gave the Guatemala City figure as "
        "'$685 million'. The Guatemala City figure is $578 million; $685 million is "
        "the New York figure of September 2024.",
    )
    bullet(
        doc,
        "2 October 2024: the November 2023 edition described the $485 million "
        "announced on 3 November 2023 as development money. It was humanitarian "
        "assistance, and the same release put total US humanitarian aid to the "
        "Western Hemisphere over the previous two years at more than $2.1 billion.",
    )
    bullet(
        doc,
        "15 June 2023: the first edition treated the $817 million as new money on top "
        "of the Lima $240 million. The $240 million is part of the $817 million.",
    )

    doc.save(str(path))


def main() -> None:
    CORPUS.mkdir(parents=True, exist_ok=True)
    build_pdf(CORPUS / "t2-resettlement-targets-briefing.pdf")
    build_docx(CORPUS / "t2-funding-ledger.docx")
    print("built t2 PDF and DOCX")


if __name__ == "__main__":
    main()
