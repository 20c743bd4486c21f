// inserted by the page's inline script; this file in turn asks for something
fetch("/shared/asked.json?by=added");
