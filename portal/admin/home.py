"""The back office's first page (the dashboard)."""

from flask import render_template

from portal.admin.blueprint import page


@page("/")
def home():
    return render_template("admin/home.html")
