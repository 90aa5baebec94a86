"""Template loaders that drop the indentation of HTML templates as they read them.

Templates are indented for people; every page would otherwise carry that indentation to every
browser (about 4 KB of a task list). Each line break followed by spaces, tabs or blank lines
becomes one line break, which HTML renders the same way. It happens once per template (the
cached loader keeps the result), and only to ``.html`` templates: text e-mails keep their
layout. Templates put no literal text in ``<pre>`` or ``<textarea>``, where the spaces would
show (values come from variables, which this does not touch)."""

import re

from django.template.loaders import app_directories, filesystem

BREAK_AND_INDENT = re.compile(r"\n\s+")


def unindented(source: str) -> str:
    return BREAK_AND_INDENT.sub("\n", source)


class UnindentingMixin:
    def get_contents(self, origin):
        contents = super().get_contents(origin)
        return unindented(contents) if origin.name.endswith(".html") else contents


class FilesystemLoader(UnindentingMixin, filesystem.Loader):
    pass


class AppDirectoriesLoader(UnindentingMixin, app_directories.Loader):
    pass
