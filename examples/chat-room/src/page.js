// The chat page: pick a room and a name, then talk.
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>dohost chat</title>
<style>
  body { font: 15px system-ui, sans-serif; max-width: 40em; margin: 2em auto; }
  #log { border: 1px solid #ccc; height: 20em; overflow-y: auto; padding: .5em; }
  .note { color: #777; font-style: italic; }
  form { display: flex; gap: .5em; margin-top: .5em; }
  #text { flex: 1; }
</style>
</head>
<body>
<h1>dohost chat</h1>
<form id="join">
  <input id="room" placeholder="room" value="lobby">
  <input id="name" placeholder="your name">
  <button>Join</button>
</form>
<div id="log"></div>
<form id="say">
  <input id="text" placeholder="say something" autocomplete="off" disabled>
  <button>Send</button>
</form>
<script>
  const log = document.getElementById('log');
  const text = document.getElementById('text');
  let socket = null;
  function show(line, note) {
    const div = document.createElement('div');
    div.textContent = line;
    if (note) div.className = 'note';
    log.append(div);
    log.scrollTop = log.scrollHeight;
  }
  document.getElementById('join').onsubmit = (event) => {
    event.preventDefault();
    if (socket) socket.close(1000);
    const room = encodeURIComponent(document.getElementById('room').value || 'lobby');
    const name = encodeURIComponent(document.getElementById('name').value || 'anonymous');
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(scheme + '//' + location.host + '/room/' + room + '/ws?name=' + name);
    socket.onopen = () => { text.disabled = false; text.focus(); };
    socket.onclose = () => { text.disabled = true; show('disconnected', true); };
    socket.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (data.type === 'history') data.messages.forEach((m) => show(m.name + ': ' + m.text));
      if (data.type === 'message') show(data.name + ': ' + data.text);
      if (data.type === 'join') show(data.name + ' joined', true);
      if (data.type === 'leave') show(data.name + ' left', true);
    };
  };
  document.getElementById('say').onsubmit = (event) => {
    event.preventDefault();
    if (socket && text.value) socket.send(text.value);
    text.value = '';
  };
</script>
</body>
</html>
`;
