// A module in a subfolder, where dohost is started to find ../../wrangler.jsonc.
