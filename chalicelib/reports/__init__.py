"""The manager's reports: figures counted per company and day as things happen (`counting`, `hooks`) and
read back for the days a report shows (`figures`), never from the history of tickets."""
