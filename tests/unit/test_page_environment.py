"""The web pages draw with one Jinja2 environment, whose helpers every template can use."""

from __future__ import annotations

from decimal import Decimal

from pipefit.views.shapes import Column, Kind, Table
from pipefit.webapi import templating


def test_the_analytic_pages_and_the_other_pages_draw_with_one_environment() -> None:
    assert templating.environment() is templating.templates.env


def test_a_page_helper_draws_the_views_templates_with_their_helpers() -> None:
    table = Table((Column("amount", Kind.MONEY),), [{"amount": Decimal("1234.5")}])
    html = templating.render_fragment("table.html.j2", csrf="", table=table)
    # by hand: 1234.5 as money to the cent with a thousands comma is 1,234.50
    assert '<td class="num">1,234.50</td>' in html


def test_every_helper_is_a_filter_and_a_global_alike() -> None:
    env = templating.environment()
    text = env.from_string(
        "{{ 1.5 | days }}|{{ days(1.5) }}|{{ amount | money('EUR') }}|{{ money(amount) }}"
        "|{{ percent(62.5) }}|{{ 62.5 | percent }}|{{ none | cell }}"
    ).render(amount=Decimal("1234.5"))
    # by hand: 1.5 days; 1234.5 to the cent with a thousands comma is 1,234.50;
    # 62.5 % to two places is 62.50; an empty cell is empty
    assert text == "1.5 days|1.5 days|EUR 1,234.50|1,234.50|62.50|62.50|"


def test_an_amount_that_is_missing_reads_no_amount_in_any_template() -> None:
    env = templating.environment()
    assert env.from_string("{{ money(none) }}/{{ none | money }}").render() == "no amount/no amount"


def test_a_block_tag_alone_on_its_line_leaves_nothing_in_the_page() -> None:
    env = templating.environment()
    text = env.from_string("<ul>\n  {% for x in xs %}\n  <li>{{ x }}</li>\n  {% endfor %}\n</ul>")
    assert text.render(xs=[1, 2]) == "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>"
