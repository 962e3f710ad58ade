"""The workload page: team totals; per person a bar of hours as a share of capacity, split by
concern level, with markers at 85% (approaching) and 100% (over), and the same figures as a
table; one person's cases; the needs-attention list; reassigning with a preview of both loads;
the portfolio by pathway. Every chart has a table with the same numbers beside it."""

from __future__ import annotations

import reflex as rx

from caseapp.workload import AttentionCase, WorkerCase
from components.badges import concern_badge, status_badge
from components.fields import labelled, native_select
from state.workload_page import PathwayRow, PreviewRow, StaffRow
from state.workload_page import WorkloadState as S

# The concern badges' own fills (assets/styles.css), so a bar and a badge mean the same colour.
COLOURS = {"high": "#991b1b", "medium": "#c2410c", "low": "#15803d", "paused": "#6b7280"}
APPROACHING_COLOUR = "#b45309"
OVER_COLOUR = "#991b1b"


def band_badge(band: rx.Var[str], word: rx.Var[str]) -> rx.Component:
    return rx.badge(
        rx.match(band, ("over", rx.icon("triangle-alert", size=12, aria_hidden="true")),
                 ("approaching", rx.icon("gauge", size=12, aria_hidden="true")), rx.fragment()),
        word,
        color_scheme=rx.match(band, ("over", "red"), ("approaching", "amber"), "green"),
        variant="soft",
        radius="full",
        # Step-12 text on the tint (assets/styles.css) for AA contrast; the word and the icon,
        # not the colour, say which band it is.
        class_name="status-badge workload-band",
        custom_attrs={"data-band": band},
    )


def _stacked_bars(*levels: str) -> list[rx.Component]:
    return [rx.recharts.bar(data_key=level, stack_id="load", fill=COLOURS[level],
                            name=level.capitalize(), is_animation_active=False)
            for level in levels]


def _legend() -> rx.Component:
    def key(level: str, text: str) -> rx.Component:
        return rx.hstack(rx.box(width="0.8rem", height="0.8rem", background=COLOURS[level],
                                border_radius="2px", aria_hidden="true"),
                         rx.text(text, size="1"), spacing="1", align="center")
    return rx.flex(
        key("high", "High"), key("medium", "Medium"), key("low", "Low"), key("paused", "Paused"),
        rx.hstack(rx.box(width="1rem", border_top=f"2px dashed {APPROACHING_COLOUR}",
                         aria_hidden="true"), rx.text("85% approaching", size="1"),
                  spacing="1", align="center"),
        rx.hstack(rx.box(width="1rem", border_top=f"3px solid {OVER_COLOUR}", aria_hidden="true"),
                  rx.text("100% capacity", size="1"), spacing="1", align="center"),
        spacing="3", wrap="wrap", aria_hidden="true",
    )


def load_chart() -> rx.Component:
    """Hours as a share of each person's capacity, so the markers sit in one place for all."""
    return rx.el.figure(
        rx.box(
            rx.recharts.bar_chart(
                rx.recharts.cartesian_grid(horizontal=False, stroke_dasharray="3 3"),
                rx.recharts.x_axis(type_="number", domain=[0, 150], ticks=[0, 50, 100, 150],
                                   unit="%", allow_data_overflow=True, font_size=12),
                rx.recharts.y_axis(data_key="name", type_="category", width=92, interval=0,
                                   tick_line=False, font_size=12),
                *_stacked_bars("high", "medium", "low", "paused"),
                rx.recharts.reference_line(
                    # Moved apart sideways: 85 and 100 are close on a phone-wide axis.
                    rx.recharts.label(value="85%", position="top", font_size=11,
                                      fill=APPROACHING_COLOUR, custom_attrs={"dx": -13}),
                    x=85, stroke=APPROACHING_COLOUR, stroke_width=2, stroke_dasharray="5 3"),
                rx.recharts.reference_line(
                    rx.recharts.label(value="100%", position="top", font_size=11,
                                      fill=OVER_COLOUR, custom_attrs={"dx": 15}),
                    x=100, stroke=OVER_COLOUR, stroke_width=3),
                data=S.chart_rows, layout="vertical", bar_category_gap="22%",
                # The chart is a picture of the table below it: not a stop for the keyboard
                # (recharts would otherwise make it focusable inside an aria-hidden box).
                custom_attrs={"accessibilityLayer": False},
                margin={"top": 20, "right": 16, "bottom": 4, "left": 0},
                height=S.chart_height,
            ),
            aria_hidden="true", width="100%", class_name="workload-chart",
        ),
        _legend(),
        rx.el.figcaption(
            "Each bar is a person's hours as a share of their capacity, split by concern "
            "level; the dashed line is 85% (approaching), the solid line 100%. Bars stop at "
            "150%. The table below has the same figures.", class_name="rt-Text rt-r-size-1",
            style={"color": "var(--gray-11)"}),
        class_name="workload-figure",
        aria_label="Workload chart",
    )


def _cases_words(r: StaffRow) -> rx.Component:
    return rx.text(
        "High ", r.open_high, " · Medium ", r.open_medium, " · Low ", r.open_low,
        rx.cond(r.paused > 0, rx.text.span(" · Paused ", r.paused)), size="1",
    )


def _staff_table_row(r: StaffRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.button(r.name, variant="ghost", size="2", class_name="tap workload-person",
                          on_click=S.open_worker(r.worker_id),
                          aria_label="Cases of " + r.name),
                rx.text(rx.cond(r.team != "", r.team, "No team"),
                        rx.cond(r.inactive, " · Deactivated", ""), size="1",
                        color_scheme="gray"),
                _cases_words(r),
                spacing="1", align="start"),
        ),
        rx.table.cell(rx.vstack(
            rx.text(r.hours, " of ", r.capacity, " h", size="2", weight="medium"),
            rx.text(r.percent, size="1", color_scheme="gray"),
            band_badge(r.band, r.band_word),
            spacing="1", align="start")),
        custom_attrs={"data-worker-id": r.worker_id},
        class_name="workload-row",
    )


def staff_table() -> rx.Component:
    return rx.table.root(
        rx.el.caption("Workload by staff member", class_name="visually-hidden"),
        rx.table.header(rx.table.row(
            rx.table.column_header_cell("Staff member and open cases", scope="col"),
            rx.table.column_header_cell("Hours a week", scope="col", width="42%"),
        )),
        rx.table.body(rx.foreach(S.staff_rows, _staff_table_row)),
        size="1", variant="surface", width="100%", class_name="workload-table",
    )


def _number(label: str, value: rx.Var | str, hint: rx.Component | None = None) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                     rx.text(value, size="5", weight="bold"),
                     hint or rx.fragment(), spacing="0", class_name="workload-number")


def totals() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(rx.cond(S.everyone, "Team totals", "Your totals"), size="4", as_="h2"),
        rx.grid(
            _number("Hours a week", S.team_hours + " of " + S.team_capacity,
                    rx.text(S.team_percent, " of capacity", size="1")),
            _number("Over capacity", S.over_count.to_string(),
                    rx.text(S.approaching_count, " approaching", size="1")),
            _number("Open cases", S.open_count.to_string(),
                    rx.text("High ", S.open_high, " · Medium ", S.open_medium, " · Low ",
                            S.open_low, size="1")),
            _number("Paused cases", S.paused_count.to_string(),
                    rx.cond(S.everyone, rx.text(S.unassigned_count, " open unassigned",
                                                size="1"))),
            columns=rx.breakpoints(initial="2", md="4"), spacing="3", width="100%",
        ),
        rx.text(S.weights_text, size="1", color_scheme="gray"),
        spacing="3", width="100%"), width="100%")


def staff_section() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading(rx.cond(S.everyone, "Staff, most loaded first", "Your workload"),
                       size="4", as_="h2"),
            rx.cond(S.everyone, rx.link(rx.icon("download", size=16, aria_hidden="true"),
                                        "Export CSV", href="/workload.csv", is_external=False,
                                        class_name="tap workload-export",
                                        custom_attrs={"download": "workload.csv"})),
            justify="between", align="center", width="100%", wrap="wrap", spacing="2",
        ),
        load_chart(),
        staff_table(),
        rx.cond(S.has_more, rx.flex(
            rx.text("Showing ", S.staff_rows.length(), " of ", S.total_people, size="2"),
            rx.button("Show more", variant="soft", on_click=S.show_more, class_name="tap"),
            spacing="3", align="center", wrap="wrap")),
        spacing="3", width="100%",
    )


def _choose(case_id: rx.Var[int], reference: rx.Var[str]) -> rx.Component:
    return rx.el.label(
        rx.checkbox(checked=S.chosen.contains(case_id), size="3",
                    on_change=lambda v: S.toggle_case(case_id, v),
                    aria_label="Choose " + reference + " to reassign"),
        class_name="checkbox-label workload-choose",
    )


def _worker_case(c: WorkerCase) -> rx.Component:
    return rx.el.li(rx.flex(
        rx.cond(S.everyone, _choose(c.case_id, c.reference)),
        rx.vstack(
            rx.flex(rx.link(c.reference, " · ", c.person_name, href="/cases/" +
                            c.case_id.to_string(), weight="medium"),
                    concern_badge(c.concern_level), rx.cond(c.status == "paused",
                                                            status_badge(c.status)),
                    spacing="2", wrap="wrap", align="center"),
            rx.text(c.pathway_name, " · last interaction ", c.last_interaction, " · ", c.hours,
                    " h", size="1", color_scheme="gray"),
            spacing="1", min_width="0", flex="1"),
        spacing="2", align="center", width="100%"), class_name="workload-case")


def worker_cases() -> rx.Component:
    return rx.cond(S.worker_id > 0, rx.card(rx.vstack(
        rx.flex(
            rx.heading("Cases of ", S.worker_name, size="4", as_="h2"),
            rx.icon_button(rx.icon("x", size=18, aria_hidden="true"), variant="ghost",
                           color_scheme="gray", size="3", aria_label="Close cases of " +
                           S.worker_name, on_click=S.close_worker, class_name="tap"),
            justify="between", align="center", width="100%"),
        rx.link("Open in the cases list", href="/cases?worker=" + S.worker_id.to_string(),
                size="2", class_name="tap", display="inline-flex", align_items="center"),
        rx.cond(S.worker_case_rows.length() > 0,
                rx.el.ul(rx.foreach(S.worker_case_rows, _worker_case), class_name="workload-list"),
                rx.text("No open or paused cases.", size="2")),
        spacing="2", width="100%"), width="100%", id="worker-cases"))


def _attention_case(c: AttentionCase) -> rx.Component:
    return rx.el.li(rx.flex(
        rx.cond(S.everyone, _choose(c.case_id, c.reference)),
        rx.vstack(
            rx.flex(rx.link(c.reference, " · ", c.person_name, href="/cases/" +
                            c.case_id.to_string(), weight="medium"),
                    concern_badge(c.concern_level), spacing="2", wrap="wrap", align="center"),
            rx.text(c.reason, size="2"),
            rx.text(c.worker_name, " · last interaction ", c.last_interaction, size="1",
                    color_scheme="gray"),
            spacing="1", min_width="0", flex="1"),
        spacing="2", align="center", width="100%"), class_name="workload-case")


def attention() -> rx.Component:
    return rx.vstack(
        rx.heading("Needs attention", size="4", as_="h2"),
        rx.text("Open cases with no interaction for longer than their concern level allows, "
                "and open cases nobody holds. High concern first.", size="2",
                color_scheme="gray"),
        rx.cond(S.attention.length() > 0,
                rx.el.ul(rx.foreach(S.attention, _attention_case), class_name="workload-list",
                         aria_label="Needs attention"),
                rx.text("Nothing needs attention.", size="2")),
        rx.cond(S.attention_total > S.attention.length(),
                rx.text("Showing ", S.attention.length(), " of ", S.attention_total, size="2")),
        spacing="2", width="100%",
    )


def _preview_bar(width: rx.Var[str], band: rx.Var[str]) -> rx.Component:
    return rx.box(
        rx.box(width=width, height="100%", border_radius="3px",
               background=rx.match(band, ("over", OVER_COLOUR),
                                   ("approaching", APPROACHING_COLOUR), "#15803d")),
        # Where 85% and 100% fall on a bar that stops at 150%.
        rx.box(position="absolute", left="56.67%", top="0", bottom="0",
               border_left=f"2px dashed {APPROACHING_COLOUR}"),
        rx.box(position="absolute", left="66.67%", top="0", bottom="0",
               border_left=f"3px solid {OVER_COLOUR}"),
        position="relative", width="100%", height="0.9rem", background="var(--gray-a3)",
        border_radius="3px", aria_hidden="true",
    )


def _preview_row(p: PreviewRow) -> rx.Component:
    return rx.el.li(rx.vstack(
        rx.text(p.name, rx.cond(p.gives, " gives up cases", " receives them"), weight="bold",
                size="2"),
        rx.grid(
            rx.text("Now", size="1"),
            rx.vstack(_preview_bar(p.before_width, p.band_before),
                      rx.text(p.before, size="1"), spacing="1", width="100%"),
            rx.text("After", size="1", weight="bold"),
            rx.vstack(_preview_bar(p.after_width, p.band_after),
                      rx.text(p.after, size="1", weight="bold"), spacing="1", width="100%"),
            columns="3rem 1fr", spacing="2", align_items="start", width="100%",
            class_name="workload-preview-grid",
        ),
        band_badge(p.band_after, p.band_word_after),
        spacing="1", width="100%"), class_name="workload-preview",
        custom_attrs={"data-worker-id": p.worker_id})


def reassign_panel() -> rx.Component:
    return rx.cond(S.everyone & (S.chosen_count > 0), rx.card(rx.vstack(
        rx.heading("Reassign ", S.chosen_count, rx.cond(S.chosen_count == 1, " case", " cases"),
                   size="4", as_="h2"),
        rx.flex(
            rx.box(labelled("Give to", native_select("reassign-to", S.target_options, S.target,
                                                     S.set_target,
                                                     placeholder="Choose a staff member"),
                            "reassign-to"), flex="1 1 14rem"),
            rx.button("Preview", on_click=S.preview_reassign, size="3", variant="soft",
                      class_name="tap"),
            spacing="2", align="end", wrap="wrap", width="100%"),
        rx.cond(S.preview.length() > 0, rx.vstack(
            rx.el.ul(rx.foreach(S.preview, _preview_row), class_name="workload-list",
                     aria_label="Loads after reassigning"),
            rx.flex(
                rx.button("Confirm reassign", on_click=S.confirm_reassign, size="3",
                          class_name="tap"),
                rx.button("Cancel", on_click=S.cancel_preview, size="3", variant="soft",
                          color_scheme="gray", class_name="tap"),
                spacing="2", wrap="wrap"),
            spacing="3", width="100%")),
        rx.button("Clear choice", on_click=S.clear_chosen, variant="ghost", size="2",
                  class_name="tap"),
        spacing="3", width="100%"), width="100%", id="reassign"))


def chosen_bar() -> rx.Component:
    """On a long page the panel can be far below the case just ticked: this stays in view."""
    return rx.cond(S.everyone & (S.chosen_count > 0), rx.flex(
        rx.text(S.chosen_count, " chosen", size="2", weight="medium"),
        rx.button("Reassign…", size="2", class_name="tap",
                  on_click=rx.scroll_to("reassign")),
        justify="between", align="center", class_name="workload-chosen-bar", width="100%"))


def _pathway_row(p: PathwayRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.hstack(
            rx.box(width="0.7em", height="0.7em", border_radius="999px", background=p.colour,
                   flex_shrink="0", aria_hidden="true"),
            rx.text(p.name, size="2"), spacing="1", align="center")),
        rx.table.cell(rx.vstack(
            rx.text(p.open_high + p.open_medium + p.open_low, size="2", weight="medium"),
            rx.text("High ", p.open_high, " · Medium ", p.open_medium, " · Low ", p.open_low,
                    size="1"), spacing="0")),
        rx.table.cell(rx.vstack(rx.text(p.paused, " paused", size="2"),
                                rx.text(p.hours, " h a week", size="1"), spacing="0")),
    )


def pathways() -> rx.Component:
    return rx.vstack(
        rx.heading("Cases by pathway", size="4", as_="h2"),
        rx.el.figure(
            rx.box(rx.recharts.bar_chart(
                rx.recharts.cartesian_grid(horizontal=False, stroke_dasharray="3 3"),
                rx.recharts.x_axis(type_="number", allow_decimals=False, font_size=12),
                rx.recharts.y_axis(data_key="name", type_="category", width=110, interval=0,
                                   tick_line=False, font_size=12),
                *_stacked_bars("high", "medium", "low", "paused"),
                data=S.pathway_chart, layout="vertical", bar_category_gap="22%",
                custom_attrs={"accessibilityLayer": False},
                margin={"top": 8, "right": 12, "bottom": 4, "left": 0},
                height=S.pathway_chart_height,
            ), aria_hidden="true", width="100%"),
            rx.el.figcaption("Open cases per pathway by concern level, and paused cases. The "
                             "table below has the same figures.",
                             class_name="rt-Text rt-r-size-1", style={"color": "var(--gray-11)"}),
            class_name="workload-figure", aria_label="Cases by pathway chart",
        ),
        rx.table.root(
            rx.el.caption("Cases by pathway", class_name="visually-hidden"),
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h, scope="col") for h in
                                           ("Pathway", "Open cases", "Paused, hours")])),
            rx.table.body(rx.foreach(S.pathway_rows, _pathway_row)),
            size="1", variant="surface", width="100%", class_name="workload-table"),
        spacing="3", width="100%",
    )


def workload_body() -> rx.Component:
    return rx.vstack(
        rx.heading("Workload", size="6", as_="h1"),
        rx.cond(S.message != "", rx.callout(
            S.message, icon="info", role="status", width="100%",
            color_scheme=rx.cond(S.message_kind == "error", "red", "blue"))),
        rx.cond(S.allowed & S.loaded, rx.vstack(
            totals(),
            staff_section(),
            worker_cases(),
            attention(),
            reassign_panel(),
            pathways(),
            chosen_bar(),
            spacing="5", width="100%",
        )),
        rx.cond(~S.loaded & (S.message == ""), rx.text("Loading…", size="2", role="status")),
        spacing="4", width="100%", max_width="960px", class_name="workload-page",
    )
