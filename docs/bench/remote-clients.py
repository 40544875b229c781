import asyncio, json, sys, websockets
url, token, n, hold = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
async def client(i, counts):
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"jsonrpc":"2.0","id":1,"method":"hello","params":{"protocol":1,"token":token,"client":f"rss-{i}"}}))
        await ws.recv()
        await ws.send(json.dumps({"jsonrpc":"2.0","id":2,"method":"watch","params":{"keys":["sensor.temp.indoor","derived.temp.difference"]}}))
        end = asyncio.get_event_loop().time() + hold
        while True:
            left = end - asyncio.get_event_loop().time()
            if left <= 0: break
            try:
                await asyncio.wait_for(ws.recv(), left)
                counts[i] += 1
            except asyncio.TimeoutError:
                break
async def main():
    counts = [0]*n
    await asyncio.gather(*(client(i, counts) for i in range(n)))
    print("messages per client:", counts)
asyncio.run(main())
