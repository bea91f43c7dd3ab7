export default {
  fetch(request, env) {
    return env.BACK.fetch(request);
  },
};
