// The one HTML page of the console; the script renders every view into it.
export function pageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>crm-webhooks support console</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<div id="app"><p>Loading…</p></div>
<script type="module" src="/app.js"></script>
</body>
</html>
`;
}
