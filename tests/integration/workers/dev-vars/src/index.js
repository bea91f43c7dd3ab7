export default {
  fetch(request, env) {
    return Response.json({
      API_TOKEN: env.API_TOKEN,
      GREETING: env.GREETING,
      KEPT: env.KEPT,
      type: typeof env.API_TOKEN,
    });
  },
};
